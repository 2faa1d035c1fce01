// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import type { HostDraft } from "../bindings/HostDraft";
import type { HostReport } from "../bindings/HostReport";
import { toasts } from "../lib/toasts.svelte";
import { hostEntry, hostProfile, OTHER_PRINT, PRINT } from "../test/hostFixtures";
import { byTestId, scriptIpc, settle, typeInto } from "../test/ipcMock";
import { mountedPerTest } from "../test/mounted";
import Hosts from "./Hosts.svelte";

const view = mountedPerTest();

const report: HostReport = {
  engine_version: "20.10.24",
  api_version: "1.41",
  os: "Debian GNU/Linux 12",
  cpus: 2,
  memory_bytes: 4 * 1024 ** 3,
  containers: 3,
  latency_ms: 12.4,
  docker_root_dir: "/var/lib/docker",
  disk: { total_bytes: 40 * 1024 ** 3, free_bytes: 10 * 1024 ** 3 },
  disk_unknown: null,
};

const local = hostEntry({ name: "local", address: "unix:///var/run/docker.sock", fixed: true, running_agents: 1, reserved_cpus: 0.5, reserved_memory_mb: 256 });
const vm = hostEntry({ profile: hostProfile() });
const changed = hostEntry({
  name: "vm-moved",
  state: "key_changed",
  pinned: PRINT,
  presented: OTHER_PRINT,
  engine: null,
  running_agents: 0,
  reserved_cpus: 0,
  reserved_memory_mb: 0,
  profile: hostProfile({ name: "vm-moved" }),
} as Partial<typeof vm>);

function script(extra: Record<string, unknown> = {}) {
  return scriptIpc({
    host_entries: [local, vm, changed],
    read_host_key: PRINT,
    test_host: report,
    save_host: (args: Record<string, unknown>) => ({ name: (args.draft as HostDraft).name, status: "connecting" }),
    set_host_enabled: (args: Record<string, unknown>) => ({ name: args.name, status: args.enabled ? "connecting" : "disabled" }),
    remove_host: (args: Record<string, unknown>) => (args.agents === "stop" ? ["a-1", "a-2"] : []),
    repin_host_key: (args: Record<string, unknown>) => ({ name: args.name, status: "connecting" }),
    generate_host_key: (args: Record<string, unknown>) => ({ secret: `ssh-key:${args.name}`, public_key: `ssh-ed25519 AAAAC3Nza myca@${args.name}` }),
    ssh_config_entries: [{ alias: "builder", host: "build.example.org", port: 2222, user: "ops", identity_file: "/home/a/.ssh/id_builder" }],
    ...extra,
  });
}

const text = (id: string) => byTestId(view.target, id).textContent ?? "";
const click = (id: string) => byTestId(view.target, id).click();
const sentDraft = (ipc: ReturnType<typeof script>, command: string) => ipc.called(command).at(-1)?.args.draft as HostDraft;

async function openForm() {
  view.open(Hosts);
  await settle();
  click("host-add");
  await settle();
}

describe("Hosts view", () => {
  it("lists each host's state, engine and gauges; a changed key shows both fingerprints", async () => {
    script();
    view.open(Hosts);
    await settle();
    expect(byTestId(view.target, "hosts").dataset.loaded).toBe("true");
    expect(text("host-state-vm-one")).toBe("up");
    expect(text("host-engine-vm-one")).toContain("20.10.24");
    expect(text("host-engine-vm-one")).toContain("Debian GNU/Linux 12");
    expect(text("host-gauge-vm-one-agents")).toBe("2");
    expect(text("host-gauge-vm-one-cpu")).toBe("1 / 4 CPUs");
    expect(text("host-gauge-vm-one-memory")).toBe("2.00 GB / 8.00 GB");
    expect(text("host-state-vm-moved")).toBe("refused: host key changed");
    expect(text("host-key-pinned-vm-moved")).toBe(PRINT);
    expect(text("host-key-presented-vm-moved")).toBe(OTHER_PRINT);
    // The host the app runs on is not edited here.
    expect(view.target.querySelector("[data-testid='host-remove-local']")).toBeNull();
  });

  it("adds a VM only after its key is read, shown and confirmed, tested first", async () => {
    const ipc = script();
    await openForm();
    typeInto(byTestId(view.target, "host-name"), "vm-two");
    typeInto(byTestId(view.target, "host-address"), "10.0.0.9");
    click("host-auth-agent");
    await settle();
    expect((byTestId(view.target, "host-save") as HTMLButtonElement).disabled).toBe(true);
    click("host-read-key");
    await settle();
    expect(text("host-key-fingerprint")).toBe(PRINT);
    expect(sentDraft(ipc, "read_host_key")).toMatchObject({ name: "vm-two", address: "10.0.0.9", port: 22, host_key_fingerprint: null });
    click("host-key-trust");
    await settle();
    expect(text("host-key-pinned")).toContain(PRINT);
    click("host-test");
    await settle();
    expect(sentDraft(ipc, "test_host")).toMatchObject({ host_key_fingerprint: PRINT, auth: { method: "agent", socket: null } });
    expect(text("host-report-latency")).toBe("12.4 ms");
    expect(text("host-report-docker")).toContain("20.10.24");
    expect(text("host-report-disk")).toContain("10.0 GB free of 40.0 GB");
    click("host-save");
    await settle();
    expect(sentDraft(ipc, "save_host")).toMatchObject({ name: "vm-two", address: "10.0.0.9", host_key_fingerprint: PRINT });
    expect(toasts.items.map((t) => t.text)).toContain("Added vm-two: connecting");
    expect(view.target.querySelector("[data-testid='host-form']")).toBeNull();
  });

  it("drops a confirmed key when the address changes, and a rejected key is not trusted", async () => {
    const ipc = script();
    await openForm();
    typeInto(byTestId(view.target, "host-name"), "vm-two");
    typeInto(byTestId(view.target, "host-address"), "10.0.0.9");
    click("host-read-key");
    await settle();
    click("host-key-reject");
    await settle();
    expect(view.target.querySelector("[data-testid='host-key-pinned']")).toBeNull();
    click("host-read-key");
    await settle();
    click("host-key-trust");
    await settle();
    typeInto(byTestId(view.target, "host-address"), "10.0.0.10");
    await settle();
    expect(view.target.querySelector("[data-testid='host-key-pinned']")).toBeNull();
    expect((byTestId(view.target, "host-save") as HTMLButtonElement).disabled).toBe(true);
    expect(ipc.called("save_host")).toEqual([]);
  });

  it("generates a key pair into the keyring and shows the public line to copy", async () => {
    const ipc = script();
    await openForm();
    click("host-auth-generated");
    await settle();
    click("host-generate-key");
    await settle();
    expect(text("host-name-error")).toContain("name the host first");
    typeInto(byTestId(view.target, "host-name"), "vm-gen");
    typeInto(byTestId(view.target, "host-address"), "10.0.0.9");
    click("host-generate-key");
    await settle();
    expect((byTestId(view.target, "host-public-key-line") as HTMLTextAreaElement).value).toBe("ssh-ed25519 AAAAC3Nza myca@vm-gen");
    click("host-read-key");
    await settle();
    click("host-key-trust");
    await settle();
    click("host-save");
    await settle();
    expect(sentDraft(ipc, "save_host").auth).toEqual({ method: "keyring", secret: "ssh-key:vm-gen" });
  });

  it("fills the form from ~/.ssh/config", async () => {
    script();
    await openForm();
    click("host-import");
    await settle();
    click("host-import-builder");
    await settle();
    expect((byTestId(view.target, "host-address") as HTMLInputElement).value).toBe("build.example.org");
    expect((byTestId(view.target, "host-port") as HTMLInputElement).value).toBe("2222");
    expect((byTestId(view.target, "host-user") as HTMLInputElement).value).toBe("ops");
    expect((byTestId(view.target, "host-key-file") as HTMLInputElement).value).toBe("/home/a/.ssh/id_builder");
  });

  it("reports a failed test connection in the form and as a toast", async () => {
    script({
      test_host: () => {
        throw { kind: "unavailable", message: "cannot reach 10.0.0.5:22: connection refused", fields: [] };
      },
    });
    view.open(Hosts);
    await settle();
    click("host-edit-vm-one");
    await settle();
    expect(text("host-key-pinned")).toContain(PRINT);
    click("host-test");
    await settle();
    expect(text("host-test-error")).toContain("connection refused");
    expect(toasts.items.at(-1)).toMatchObject({ kind: "error", text: "Test connection: cannot reach 10.0.0.5:22: connection refused" });
  });

  it("disables a host and removes one, stopping its agents when the operator says so", async () => {
    const ipc = script();
    view.open(Hosts);
    await settle();
    click("host-toggle-vm-one");
    await settle();
    expect(ipc.called("set_host_enabled").map((c) => c.args)).toEqual([{ name: "vm-one", enabled: false }]);
    expect(toasts.items.map((t) => t.text)).toContain("vm-one disabled");

    click("host-remove-vm-one");
    await settle();
    expect(text("host-remove-dialog")).toContain("2 agents run on it");
    click("host-remove-cancel");
    await settle();
    expect(ipc.called("remove_host")).toEqual([]);

    click("host-remove-vm-one");
    await settle();
    click("host-remove-stop");
    click("host-remove-ok");
    await settle();
    expect(ipc.called("remove_host").map((c) => c.args)).toEqual([{ name: "vm-one", agents: "stop" }]);
    expect(toasts.items.map((t) => t.text)).toContain("Removed vm-one; stopped 2 agents");
  });

  it("re-pins a changed key only as an explicit, checked action on the key presented now", async () => {
    const ipc = script({ read_host_key: OTHER_PRINT });
    view.open(Hosts);
    await settle();
    click("host-repin-start-vm-moved");
    await settle();
    expect(text("host-repin-vm-moved")).toContain(OTHER_PRINT);
    expect((byTestId(view.target, "host-repin-confirm-vm-moved") as HTMLButtonElement).disabled).toBe(true);
    click("host-repin-checked-vm-moved");
    await settle();
    click("host-repin-confirm-vm-moved");
    await settle();
    expect(ipc.called("repin_host_key").map((c) => c.args)).toEqual([{ name: "vm-moved", fingerprint: OTHER_PRINT }]);
    expect(toasts.items.map((t) => t.text)).toContain("vm-moved: the new key is pinned; connecting");
  });

  it("says when the hosts cannot be listed", async () => {
    scriptIpc({
      host_entries: () => {
        throw { kind: "not_ready", message: "starting", fields: [] };
      },
    });
    view.open(Hosts);
    await settle();
    expect(toasts.items[0]).toMatchObject({ kind: "error", text: "Listing hosts: the orchestrator is still starting" });
  });
});
