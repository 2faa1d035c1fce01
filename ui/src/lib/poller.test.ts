import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { startPolling } from "./poller";

describe("startPolling", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("loads at once and then on every interval", async () => {
    const load = vi.fn(() => Promise.resolve());
    const poller = startPolling(load, 5000);
    expect(load).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(5000);
    expect(load).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(5000);
    expect(load).toHaveBeenCalledTimes(3);
    poller.stop();
    await vi.advanceTimersByTimeAsync(20000);
    expect(load).toHaveBeenCalledTimes(3);
  });

  it("never runs two loads at once and waits for a slow one", async () => {
    let finish: () => void = () => {};
    const load = vi.fn(() => new Promise<void>((resolve) => (finish = resolve)));
    const poller = startPolling(load, 1000);
    await vi.advanceTimersByTimeAsync(10000);
    void poller.refresh();
    expect(load).toHaveBeenCalledTimes(1);
    finish();
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(load).toHaveBeenCalledTimes(2);
    poller.stop();
  });

  it("refresh runs now and restarts the interval", async () => {
    const load = vi.fn(() => Promise.resolve());
    const poller = startPolling(load, 5000);
    await vi.advanceTimersByTimeAsync(4000);
    await poller.refresh();
    expect(load).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(4000);
    expect(load).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1000);
    expect(load).toHaveBeenCalledTimes(3);
    poller.stop();
  });

  it("keeps polling after a failed load", async () => {
    const load = vi.fn().mockRejectedValueOnce(new Error("boom")).mockResolvedValue(undefined);
    const poller = startPolling(load, 1000);
    await vi.advanceTimersByTimeAsync(1000);
    expect(load).toHaveBeenCalledTimes(2);
    poller.stop();
  });
});
