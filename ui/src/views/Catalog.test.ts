// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mount, unmount } from "svelte";
import { nav } from "../lib/nav.svelte";
import { toasts } from "../lib/toasts.svelte";
import { agent, testKind } from "../test/fixtures";
import { byTestId, clearMocks, scriptIpc, settle, typeInto } from "../test/ipcMock";
import Catalog from "./Catalog.svelte";

let target: HTMLElement;
let component: ReturnType<typeof mount> | null = null;

beforeEach(() => {
  toasts.items = [];
  target = document.body.appendChild(document.createElement("div"));
});
afterEach(() => {
  if (component) unmount(component);
  component = null;
  target.remove();
  clearMocks();
});

describe("Catalog view", () => {
  it("shows each kind with its credentials present or missing", async () => {
    scriptIpc({ catalog: [testKind], list_agents: [agent("a1", { host: "vm-a" })] });
    component = mount(Catalog, { target });
    await settle();
    const card = byTestId(target, "kind-test-agent");
    expect(card.textContent).toContain("Echoes tasks back");
    expect(card.querySelector(".credential.present")?.textContent).toContain("API_TOKEN");
    expect(card.querySelector(".credential.missing")?.textContent).toContain("OTHER");
  });

  it("spawns from a card with the kind's schema, placed on a known host, then links to the agent", async () => {
    const ipc = scriptIpc({
      catalog: [testKind],
      list_agents: [agent("a1", { host: "vm-a" })],
      validate_spawn: [],
      spawn_agent: [agent("echo-1", { host: "vm-a" })],
    });
    component = mount(Catalog, { target });
    await settle();
    byTestId(target, "kind-test-agent").click();
    await settle();
    typeInto(byTestId(target, "spawn-agent-id"), "echo-1");
    const host = byTestId(target, "spawn-host") as HTMLSelectElement;
    host.value = "vm-a";
    host.dispatchEvent(new Event("change", { bubbles: true }));
    byTestId(target, "spawn-submit").click();
    await settle();
    expect(ipc.called("validate_spawn")[0].args.request).toMatchObject({ agent_id: "echo-1", host: "vm-a", settings: { greeting: "hello" } });
    expect(ipc.called("spawn_agent")).toHaveLength(1);
    byTestId(target, "open-spawned-echo-1").click();
    expect(nav.view).toBe("agent");
    expect(nav.agentId).toBe("echo-1");
  });
});
