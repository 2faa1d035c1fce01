// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import type { Startup } from "../bindings/Startup";
import { startupView } from "../lib/startup";
import { byTestId, settle } from "../test/ipcMock";
import { mountedPerTest } from "../test/mounted";
import StartupSteps from "./StartupSteps.svelte";

const view = mountedPerTest();

const failed: Startup = {
  phase: "failed",
  steps: [
    { name: "store", state: "done", detail: null, hint: null },
    { name: "redis", state: "failed", detail: "connection refused at 127.0.0.1:6390", hint: "start Redis or set MYCA_REDIS_URL" },
    { name: "docker", state: "pending", detail: null, hint: null },
  ],
};

describe("start-up", () => {
  it("counts done steps and finds the running and failed ones", () => {
    expect(startupView(failed)).toMatchObject({ done: 1, total: 3, running: null, failed: [failed.steps[1]] });
    expect(startupView({ phase: "starting", steps: [{ name: "a", state: "running", detail: null, hint: null }] }).running?.name).toBe("a");
    expect(startupView({ phase: "ready", steps: [] }).fraction).toBe(1);
  });

  it("shows a failed step's detail and what to do", async () => {
    view.open(StartupSteps, { startup: failed });
    await settle();
    const step = byTestId(view.target, "startup-step-redis");
    expect(step.textContent).toContain("connection refused at 127.0.0.1:6390");
    expect(step.textContent).toContain("What to do: start Redis or set MYCA_REDIS_URL");
    expect(byTestId(view.target, "startup").textContent).toContain("Start-up failed");
  });
});
