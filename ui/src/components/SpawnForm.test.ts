// @vitest-environment jsdom
import { describe, expect, it, vi } from "vitest";
import type { SpawnProgress } from "../bindings/SpawnProgress";
import { toasts } from "../lib/toasts.svelte";
import { agent, testKind } from "../test/fixtures";
import { byTestId, scriptIpc, settle, typeInto } from "../test/ipcMock";
import { mountedPerTest } from "../test/mounted";
import SpawnForm from "./SpawnForm.svelte";

const view = mountedPerTest();

function open(onSpawned = vi.fn()) {
  view.open(SpawnForm, { entry: testKind, hosts: ["vm-a"], onClose: () => undefined, onSpawned });
  return onSpawned;
}

describe("SpawnForm", () => {
  it("draws the kind's settings from its schema with their defaults", async () => {
    scriptIpc({});
    open();
    await settle();
    expect((byTestId(view.target, "spawn-setting-greeting") as HTMLInputElement).value).toBe("hello");
    expect((byTestId(view.target, "spawn-setting-verbose") as HTMLInputElement).checked).toBe(true);
    expect((byTestId(view.target, "spawn-setting-mode") as HTMLSelectElement).value).toBe("fast");
    expect((byTestId(view.target, "spawn-cpu-limit") as HTMLInputElement).value).toBe("0.5");
    expect([...(byTestId(view.target, "spawn-host") as HTMLSelectElement).options].map((o) => o.textContent)).toEqual(["automatic", "vm-a"]);
    expect(byTestId(view.target, "spawn-missing-credentials").textContent).toContain("Not in the keyring: OTHER.");
  });

  it("shows client-side problems next to their fields without calling Rust", async () => {
    const ipc = scriptIpc({});
    open();
    await settle();
    typeInto(byTestId(view.target, "spawn-agent-id"), "Not Valid");
    typeInto(byTestId(view.target, "spawn-setting-delay_ms"), "5000");
    byTestId(view.target, "spawn-submit").click();
    await settle();
    expect(byTestId(view.target, "spawn-agent-id-error").textContent).toMatch(/lowercase/);
    expect(byTestId(view.target, "spawn-setting-delay_ms-error").textContent).toMatch(/1000/);
    expect(ipc.calls).toEqual([]);
  });

  it("shows Rust's field errors next to their fields and does not spawn", async () => {
    const ipc = scriptIpc({
      validate_spawn: [
        { field: "agent_id", message: "an agent named echo-1 exists" },
        { field: "settings.greeting", message: "too short" },
        { field: "credentials", message: "OTHER is not in the OS keyring: add it in the credentials wizard" },
      ],
    });
    open();
    await settle();
    typeInto(byTestId(view.target, "spawn-agent-id"), "echo-1");
    byTestId(view.target, "spawn-submit").click();
    await settle();
    expect(byTestId(view.target, "spawn-agent-id-error").textContent).toBe("an agent named echo-1 exists");
    expect(byTestId(view.target, "spawn-setting-greeting-error").textContent).toBe("too short");
    expect(byTestId(view.target, "spawn-other-errors").textContent).toBe("credentials: OTHER is not in the OS keyring: add it in the credentials wizard");
    expect(ipc.called("spawn_agent")).toEqual([]);
  });

  it("validates, spawns and shows each stage until healthy", async () => {
    let finish: (value: unknown) => void = () => undefined;
    const ipc = scriptIpc({ validate_spawn: [], spawn_agent: () => new Promise((resolve) => (finish = resolve)) });
    const onSpawned = open();
    await settle();
    typeInto(byTestId(view.target, "spawn-agent-id"), "echo-1");
    byTestId(view.target, "spawn-submit").click();
    await settle();
    const request = ipc.called("validate_spawn")[0].args.request;
    expect(request).toMatchObject({ agent_id: "echo-1", agent_type: "test-agent", host: null, replicas: 1 });
    expect(ipc.called("spawn_agent")[0].args.request).toEqual(request);

    const progress = ipc.channel<SpawnProgress[]>("spawn_agent", "onProgress");
    progress.onmessage([{ stage: "validating", detail: "" }]);
    progress.onmessage([{ stage: "image", detail: "shipping to vm-a" }]);
    await settle();
    expect(byTestId(view.target, "spawn-stage-image").dataset.state).toBe("running");
    expect(byTestId(view.target, "spawn-stage-image").textContent).toContain("shipping to vm-a");

    progress.onmessage([{ stage: "healthy", detail: "" }]);
    finish([agent("echo-1")]);
    await settle();
    expect(byTestId(view.target, "spawn-progress").dataset.finished).toBe("true");
    expect(onSpawned).toHaveBeenCalledWith([agent("echo-1")]);
    expect(toasts.items[0]).toMatchObject({ kind: "success", text: "Spawned echo-1" });
  });

  it("shows why a spawn failed", async () => {
    let fail: (reason: unknown) => void = () => undefined;
    const ipc = scriptIpc({ validate_spawn: [], spawn_agent: () => new Promise((_, reject) => (fail = reject)) });
    open();
    await settle();
    typeInto(byTestId(view.target, "spawn-agent-id"), "echo-1");
    byTestId(view.target, "spawn-submit").click();
    await settle();
    ipc.channel<SpawnProgress[]>("spawn_agent", "onProgress").onmessage([{ stage: "failed", detail: "image pull refused" }]);
    fail({ kind: "unavailable", message: "image pull refused", fields: [] });
    await settle();
    expect(byTestId(view.target, "spawn-failed").textContent).toContain("image pull refused");
    expect(toasts.items[0]).toMatchObject({ kind: "error", text: "Spawning echo-1: image pull refused" });
  });
});
