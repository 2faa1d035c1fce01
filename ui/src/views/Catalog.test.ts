// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { nav } from "../lib/nav.svelte";

import { agent, host, testKind } from "../test/fixtures";
import { byTestId, scriptIpc, settle, typeInto } from "../test/ipcMock";
import { mountedPerTest } from "../test/mounted";
import Catalog from "./Catalog.svelte";

const view = mountedPerTest();

describe("Catalog view", () => {
  it("shows each kind with its credentials present or missing", async () => {
    scriptIpc({ catalog: [testKind], list_hosts: [host("vm-a")] });
    view.open(Catalog);
    await settle();
    const card = byTestId(view.target, "kind-test-agent");
    expect(card.textContent).toContain("Echoes tasks back");
    expect(card.querySelector(".credential.present")?.textContent).toContain("API_TOKEN");
    expect(card.querySelector(".credential.missing")?.textContent).toContain("OTHER");
  });

  it("spawns from a card with the kind's schema, placed on a known host, then links to the agent", async () => {
    const ipc = scriptIpc({
      catalog: [testKind],
      list_hosts: [host("vm-a"), host("vm-down", { state: "unreachable", reason: "no route" })],
      validate_spawn: [],
      spawn_agent: [agent("echo-1", { host: "vm-a" })],
    });
    view.open(Catalog);
    await settle();
    byTestId(view.target, "kind-test-agent").click();
    await settle();
    typeInto(byTestId(view.target, "spawn-agent-id"), "echo-1");
    const picker = byTestId(view.target, "spawn-host") as HTMLSelectElement;
    // Only hosts that are up can take an agent.
    expect([...picker.options].map((o) => o.value)).toEqual(["", "vm-a"]);
    picker.value = "vm-a";
    picker.dispatchEvent(new Event("change", { bubbles: true }));
    byTestId(view.target, "spawn-submit").click();
    await settle();
    expect(ipc.called("validate_spawn")[0].args.request).toMatchObject({ agent_id: "echo-1", host: "vm-a", settings: { greeting: "hello" } });
    expect(ipc.called("spawn_agent")).toHaveLength(1);
    byTestId(view.target, "open-spawned-echo-1").click();
    expect(nav.view).toBe("agent");
    expect(nav.agentId).toBe("echo-1");
  });
});
