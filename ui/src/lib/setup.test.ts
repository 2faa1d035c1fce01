import { describe, expect, it } from "vitest";
import type { CredentialStatus } from "../bindings/CredentialStatus";
import type { SetupRecord } from "../bindings/SetupRecord";
import { brokerUrlProblem, credentialBadge, lastChecked, resumeAt, stepMark, storeUrlProblem } from "./setup";

const record = (steps: SetupRecord["steps"]): SetupRecord => ({
  completed: false,
  steps,
  broker: { mode: "managed" },
  store: { backend: "sqlite" },
  kinds: [],
  checks: {},
  settings: { api_enabled: false, api_port: 8001, log_level: "info", log_days: 30, metric_days: 7, snapshot_days: 30, snapshot_keep_last: 10 },
});

const credential = (over: Partial<CredentialStatus>): CredentialStatus => ({
  name: "OPENAI_API_KEY",
  description: "",
  kinds: ["openai-agent"],
  state: "present",
  masked: "••••••••",
  last_check: null,
  check_task: "list_models",
  ...over,
});

describe("setup wizard logic", () => {
  it("resumes at the first step without an outcome, skipped ones included as answered", () => {
    expect(resumeAt(record({}))).toBe(0);
    expect(resumeAt(record({ docker: "done", broker: "skipped" }))).toBe(2);
    expect(resumeAt(record({ docker: "done", broker: "done", store: "done", credentials: "done" }))).toBe(3);
    expect(stepMark(record({ broker: "skipped" }), "broker")).toBe("skipped");
    expect(stepMark(record({}), "store")).toBe("open");
  });

  it("says what is wrong with a URL before asking the orchestrator", () => {
    expect(storeUrlProblem("")).toMatch(/keep SQLite/);
    expect(storeUrlProblem("mysql://db/x")).toMatch(/postgres:\/\//);
    expect(storeUrlProblem(" postgresql://u:p@db/x ")).toBeNull();
    expect(brokerUrlProblem("http://x")).toMatch(/redis:\/\//);
    expect(brokerUrlProblem("rediss://:pw@h:6380/0")).toBeNull();
  });

  it("shows a credential as present, missing or failed with when it was checked", () => {
    expect(credentialBadge(credential({}))).toEqual({ text: "present", tone: "up" });
    expect(credentialBadge(credential({ state: "missing", masked: null })).tone).toBe("warn");
    expect(credentialBadge(credential({ state: "unavailable", masked: null })).text).toBe("keyring unavailable");
    const failed = credential({ state: "failed", last_check: { at: "2026-12-06T12:00:00Z", ok: false, detail: "list_models on a: 401 invalid key" } });
    expect(credentialBadge(failed)).toEqual({ text: "check failed", tone: "down" });
    expect(lastChecked(failed, "en-GB")).toMatch(/^checked .*2026.* — failed: list_models on a: 401 invalid key$/);
    expect(lastChecked(credential({}))).toBe("never checked");
    const ok = credential({ last_check: { at: "2026-12-06T12:00:00Z", ok: true, detail: "fine" } });
    expect(credentialBadge(ok).text).toBe("present · checked");
  });
});
