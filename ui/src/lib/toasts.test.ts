import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MAX_SHOWN, SUCCESS_MS, ToastQueue } from "./toasts.svelte";

describe("toasts", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("dismisses a success after its time, keeps an error until closed", () => {
    const queue = new ToastQueue();
    queue.success("saved");
    queue.error("refused");
    vi.advanceTimersByTime(SUCCESS_MS - 1);
    expect(queue.items.map((t) => t.text)).toEqual(["saved", "refused"]);
    vi.advanceTimersByTime(1);
    expect(queue.items.map((t) => t.text)).toEqual(["refused"]);
    vi.advanceTimersByTime(60 * 60 * 1000);
    expect(queue.items.map((t) => t.text)).toEqual(["refused"]);
    queue.dismiss(queue.items[0].id);
    expect(queue.items).toEqual([]);
  });

  it("keeps a success while the pointer rests on it, then gives it its full time again", () => {
    const queue = new ToastQueue();
    queue.success("saved");
    const id = queue.items[0].id;
    vi.advanceTimersByTime(SUCCESS_MS - 100);
    queue.hold(id);
    vi.advanceTimersByTime(SUCCESS_MS * 3);
    expect(queue.items).toHaveLength(1);
    queue.release(id);
    vi.advanceTimersByTime(SUCCESS_MS - 1);
    expect(queue.items).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(queue.items).toEqual([]);
  });

  it("shows at most three, newest last, dropping successes before errors", () => {
    const queue = new ToastQueue();
    queue.error("e1");
    queue.success("s1");
    queue.error("e2");
    queue.success("s2");
    expect(queue.items).toHaveLength(MAX_SHOWN);
    expect(queue.items.map((t) => t.text)).toEqual(["e1", "e2", "s2"]);
    queue.error("e3");
    expect(queue.items.map((t) => t.text)).toEqual(["e1", "e2", "e3"]);
    queue.error("e4");
    expect(queue.items.map((t) => t.text)).toEqual(["e2", "e3", "e4"]);
  });

  it("releasing an error does not start a timer", () => {
    const queue = new ToastQueue();
    queue.error("refused");
    queue.release(queue.items[0].id);
    vi.advanceTimersByTime(SUCCESS_MS * 10);
    expect(queue.items).toHaveLength(1);
  });
});
