// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import type { SetupView } from "../bindings/SetupView";
import type { StepOutcome } from "../bindings/StepOutcome";
import { nav } from "../lib/nav.svelte";
import { byTestId, scriptIpc, settle, typeInto } from "../test/ipcMock";
import { mountedPerTest } from "../test/mounted";
import Setup from "./Setup.svelte";

const view = mountedPerTest();

const state = (over: Partial<SetupView["record"]> = {}, keyring = true): SetupView => ({
  record: {
    completed: false,
    steps: {},
    broker: { mode: "managed" },
    store: { backend: "sqlite" },
    kinds: [],
    checks: {},
    settings: { api_enabled: false, api_port: 8001, log_level: "info", log_days: 30, metric_days: 7, snapshot_days: 30, snapshot_keep_last: 10 },
    ...over,
  },
  data_dir: "/home/op/.local/share/myca",
  sqlite_path: "/home/op/.local/share/myca/myca.db",
  env_overrides: [],
  keyring: keyring ? { available: true, detail: null } : { available: false, detail: "No usable Secret Service on this session's D-Bus" },
});

const engine = {
  socket: "/var/run/docker.sock",
  found: true,
  version: "20.10.24",
  api_version: "1.41",
  os: "linux/amd64",
  problem: null,
  fix: null,
};

describe("Setup wizard", () => {
  it("walks Docker → Broker → Store → Credentials and opens the fleet at the end", async () => {
    let current = state();
    const ipc = scriptIpc({
      setup_state: () => current,
      probe_docker: engine,
      setup_step: (args: Record<string, unknown>) =>
        (current = state({ ...current.record, steps: { ...current.record.steps, [args.step as string]: args.outcome as StepOutcome } })),
      save_broker: () => current,
      save_store: () => current,
      credential_kinds: [{ kind: "openai-agent", description: "OpenAI", credentials: ["OPENAI_API_KEY"] }],
      list_credentials: [],
      setup_completed: () => (current = state({ ...current.record, completed: true })),
    });
    view.open(Setup);
    await settle();
    expect(byTestId(view.target, "docker-found").textContent).toContain("20.10.24");
    byTestId(view.target, "docker-continue").click();
    await settle();
    expect(byTestId(view.target, "setup").dataset.step).toBe("broker");
    byTestId(view.target, "broker-save").click();
    await settle();
    expect(ipc.called("save_broker")[0].args.url).toBeNull();
    byTestId(view.target, "store-save").click();
    await settle();
    expect(ipc.called("save_store")[0].args.url).toBeNull();
    expect(byTestId(view.target, "setup").dataset.step).toBe("credentials");
    expect(byTestId(view.target, "wizard-step-store").dataset.mark).toBe("done");
    byTestId(view.target, "setup-finish").click();
    await settle();
    expect(ipc.called("setup_completed")[0].args.completed).toBe(true);
    expect(nav.view).toBe("overview");
  });

  it("resumes where it stopped and says plainly what is missing about Docker", async () => {
    scriptIpc({
      setup_state: state({ steps: { docker: "skipped" } }),
      probe_docker: { ...engine, found: false, version: null, problem: "No Docker Engine here: /var/run/docker.sock does not exist.", fix: "Install Docker Engine" },
    });
    view.open(Setup);
    await settle();
    expect(byTestId(view.target, "setup").dataset.step).toBe("broker");
    byTestId(view.target, "wizard-step-docker").click();
    await settle();
    expect(byTestId(view.target, "docker-missing").textContent).toContain("does not exist");
    expect((byTestId(view.target, "docker-continue") as HTMLButtonElement).disabled).toBe(true);
  });

  it("tests a PostgreSQL URL and shows why it fails, without saving", async () => {
    const ipc = scriptIpc({
      setup_state: state({ steps: { docker: "done", broker: "done" } }),
      probe_docker: engine,
      test_store: () => {
        throw { kind: "unavailable", message: "PostgreSQL at postgres://u:***@db/x: connection refused", fields: [] };
      },
      save_store: () => {
        throw { kind: "unavailable", message: "PostgreSQL at postgres://u:***@db/x: connection refused", fields: [] };
      },
    });
    view.open(Setup);
    await settle();
    byTestId(view.target, "store-postgres").click();
    await settle();
    typeInto(byTestId(view.target, "store-url"), "mysql://nope");
    byTestId(view.target, "store-test").click();
    await settle();
    expect(byTestId(view.target, "setup-problem").textContent).toContain("postgres://");
    expect(ipc.called("test_store")).toHaveLength(0);
    typeInto(byTestId(view.target, "store-url"), "postgres://u:pw@db/x");
    byTestId(view.target, "store-save").click();
    await settle();
    expect(byTestId(view.target, "setup-problem").textContent).toContain("connection refused");
    expect(byTestId(view.target, "setup").dataset.step).toBe("store");
  });
});
