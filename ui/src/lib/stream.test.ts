// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { clearMocks, scriptIpc, settle } from "../test/ipcMock";
import { watchFleet } from "./ipc";
import { openStream } from "./stream";

afterEach(() => clearMocks());

describe("openStream", () => {
  it("ends the subscription when closed", async () => {
    const ipc = scriptIpc({ watch_fleet: 5, unsubscribe: true });
    const close = openStream(() => watchFleet(() => undefined), vi.fn());
    await settle();
    close();
    await settle();
    expect(ipc.called("unsubscribe").map((c) => c.args)).toEqual([{ id: 5 }]);
  });

  it("ends a subscription that opens only after the view closed", async () => {
    let answer: (id: number) => void = () => undefined;
    const ipc = scriptIpc({ watch_fleet: () => new Promise((resolve) => (answer = resolve)), unsubscribe: true });
    const close = openStream(() => watchFleet(() => undefined), vi.fn());
    close();
    answer(8);
    await settle();
    expect(ipc.called("unsubscribe").map((c) => c.args)).toEqual([{ id: 8 }]);
  });

  it("reports a stream that cannot open", async () => {
    scriptIpc({ watch_fleet: () => Promise.reject({ kind: "not_ready", message: "starting", fields: [] }) });
    const onError = vi.fn();
    openStream(() => watchFleet(() => undefined), onError);
    await settle();
    expect(onError).toHaveBeenCalledWith({ kind: "not_ready", message: "starting", fields: [] });
  });
});
