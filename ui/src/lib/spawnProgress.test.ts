import { describe, expect, it } from "vitest";
import { spawnView } from "./spawnProgress";

const states = (view: ReturnType<typeof spawnView>) => view.lines.map((l) => `${l.stage}:${l.state}`);

describe("spawnView", () => {
  it("shows the stages reached as done and the current one as running", () => {
    const view = spawnView([
      { stage: "validating", detail: "" },
      { stage: "image", detail: "shipping to vm-a" },
      { stage: "container", detail: "" },
    ]);
    expect(states(view)).toEqual(["validating:done", "image:done", "container:running", "heartbeat:pending", "healthy:pending"]);
    expect(view.lines[1].detail).toBe("shipping to vm-a");
    expect(view.finished).toBe(false);
  });

  it("finishes when healthy", () => {
    const view = spawnView(["validating", "image", "container", "heartbeat", "healthy"].map((stage) => ({ stage, detail: "" }) as never));
    expect(view.lines.every((l) => l.state === "done")).toBe(true);
    expect(view).toMatchObject({ finished: true, failed: false });
  });

  it("marks the stage that failed with the reason", () => {
    const view = spawnView([
      { stage: "validating", detail: "" },
      { stage: "image", detail: "" },
      { stage: "container", detail: "" },
      { stage: "heartbeat", detail: "" },
      { stage: "failed", detail: "no heartbeat within 30 s" },
    ]);
    expect(states(view)).toContain("heartbeat:failed");
    expect(view).toMatchObject({ finished: true, failed: true, reason: "no heartbeat within 30 s" });
  });

  it("fails the first stage when nothing was reached", () => {
    const view = spawnView([{ stage: "failed", detail: "docker is down" }]);
    expect(states(view)[0]).toBe("validating:failed");
  });
});
