// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import type { AppSettings } from "../bindings/AppSettings";
import type { SetupView } from "../bindings/SetupView";
import { nav } from "../lib/nav.svelte";
import { byTestId, scriptIpc, settle, typeInto } from "../test/ipcMock";
import { mountedPerTest } from "../test/mounted";
import Settings from "./Settings.svelte";

const view = mountedPerTest();

const setup: SetupView = {
  record: {
    completed: true,
    steps: {},
    broker: { mode: "managed" },
    store: { backend: "postgres", url: "postgres://myca@db:5432/fleet", password_in_keyring: true },
    kinds: [],
    checks: {},
    settings: { api_enabled: false, api_port: 8001, log_level: "info", log_days: 30, metric_days: 7, snapshot_days: 30, snapshot_keep_last: 10 },
  },
  data_dir: "/home/op/.local/share/myca",
  sqlite_path: "/home/op/.local/share/myca/myca.db",
  keyring: { available: true, detail: null },
  env_overrides: ["MYCA_DATABASE_URL"],
};

describe("Settings view", () => {
  it("shows where things are, the key masked and the versions, and saves changes", async () => {
    const ipc = scriptIpc({
      setup_state: setup,
      api_key: { masked: "••••••••9f2c", reveal_command: "secret-tool lookup service myca-control-plane username api-key" },
      about: { app_version: "0.1.0", orchestrator_version: "0.1.0", docker_version: "20.10.24", docker_problem: null, data_dir: setup.data_dir },
      save_settings: (args: Record<string, unknown>) => ({ ...setup, record: { ...setup.record, settings: args.settings as AppSettings } }),
    });
    view.open(Settings);
    await settle();
    expect(byTestId(view.target, "settings-data-dir").textContent).toBe(setup.data_dir);
    expect(byTestId(view.target, "settings-store").textContent).toBe("PostgreSQL postgres://myca@db:5432/fleet");
    expect(byTestId(view.target, "settings-api-key").textContent).toBe("••••••••9f2c");
    expect(byTestId(view.target, "about-docker").textContent).toBe("20.10.24");
    expect(byTestId(view.target, "settings-env-overrides").textContent).toContain("MYCA_DATABASE_URL");
    byTestId(view.target, "settings-api-enabled").click();
    typeInto(byTestId(view.target, "settings-log_days"), "14");
    byTestId(view.target, "settings-save").click();
    await settle();
    expect(ipc.called("save_settings")[0].args.settings).toMatchObject({ api_enabled: true, log_days: 14 });
    byTestId(view.target, "settings-restart");
  });

  it("marks the fields the orchestrator refused and reopens the wizard on request", async () => {
    scriptIpc({
      setup_state: setup,
      api_key: { masked: null, reveal_command: "" },
      about: { app_version: "0.1.0", orchestrator_version: "0.1.0", docker_version: null, docker_problem: "no socket", data_dir: "" },
      save_settings: () => {
        throw { kind: "invalid", message: "api_port: use a port from 1024 to 65535", fields: [{ field: "api_port", message: "use a port from 1024 to 65535" }] };
      },
      setup_completed: setup,
    });
    view.open(Settings);
    await settle();
    expect(byTestId(view.target, "about-docker").textContent).toContain("no socket");
    byTestId(view.target, "settings-save").click();
    await settle();
    expect(view.target.querySelector(".field.invalid")?.textContent).toContain("use a port from 1024");
    byTestId(view.target, "settings-rerun-setup").click();
    await settle();
    expect(nav.view).toBe("setup");
  });
});
