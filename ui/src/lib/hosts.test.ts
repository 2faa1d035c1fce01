import { describe, expect, it } from "vitest";
import type { HostEntry } from "../bindings/HostEntry";
import { hostEntry as entry, PRINT } from "../test/hostFixtures";
import { draftFromSshConfig, emptyDraft, formatBytes, hostGauges, hostState, keptKey, keyOrigin, parseLabels, profileName } from "./hosts";

describe("host state", () => {
  it("says why a host is not up", () => {
    expect(hostState(entry())).toEqual({ tone: "up", label: "up", detail: null });
    expect(hostState(entry({ state: "unreachable", reason: "connection refused" } as Partial<HostEntry>))).toEqual({
      tone: "down",
      label: "unreachable",
      detail: "connection refused",
    });
    expect(hostState(entry({ state: "refused", reason: "same engine as local" } as Partial<HostEntry>)).label).toBe("refused");
    expect(hostState(entry({ state: "disabled" } as Partial<HostEntry>)).tone).toBe("disabled");
    const changed = hostState(entry({ state: "key_changed", pinned: PRINT, presented: "SHA256:x" } as Partial<HostEntry>));
    expect(changed.label).toBe("refused: host key changed");
    expect(changed.tone).toBe("down");
  });
});

describe("host gauges", () => {
  it("weigh committed CPU and memory against the engine's", () => {
    const [agents, cpu, memory] = hostGauges(entry());
    expect(agents).toEqual({ label: "Agents", text: "2", percent: null });
    expect(cpu).toEqual({ label: "CPU committed", text: "1 / 4 CPUs", percent: 25 });
    expect(memory.text).toBe("2.00 GB / 8.00 GB");
    expect(memory.percent).toBe(25);
  });

  it("have no percentage while the engine is unknown, and never pass 100", () => {
    const [, cpu, memory] = hostGauges(entry({ engine: null, reserved_cpus: 0.5, reserved_memory_mb: 64 }));
    expect(cpu).toEqual({ label: "CPU committed", text: "0.5 CPUs", percent: null });
    expect(memory).toEqual({ label: "Memory committed", text: "64 MB", percent: null });
    expect(hostGauges(entry({ reserved_cpus: 9 }))[1].percent).toBe(100);
  });
});

describe("profile drafts", () => {
  it("fill from ~/.ssh/config with the key file when named, else ssh-agent", () => {
    const withKey = draftFromSshConfig({ alias: "build box", host: "10.1.1.1", port: 2222, user: "ops", identity_file: "/home/a/.ssh/id" });
    expect(withKey).toMatchObject({ name: "build-box", address: "10.1.1.1", port: 2222, user: "ops", auth: { method: "key_file", path: "/home/a/.ssh/id" } });
    expect(withKey.host_key_fingerprint).toBeNull();
    const bare = draftFromSshConfig({ alias: "vm", host: "vm", port: null, user: null, identity_file: null });
    expect(bare).toMatchObject({ port: 22, user: "root", auth: { method: "agent", socket: null } });
  });

  it("name profiles as the name pattern allows", () => {
    expect(profileName("-my vm/2")).toBe("my-vm-2");
    expect(profileName("a".repeat(80))).toHaveLength(63);
  });

  it("keep a confirmed key only for the address and port it was read at", () => {
    const draft = { ...emptyDraft(), address: "10.0.0.5", host_key_fingerprint: PRINT };
    const origin = keyOrigin(draft);
    expect(keptKey(draft, origin).host_key_fingerprint).toBe(PRINT);
    expect(keptKey({ ...draft, address: "10.0.0.6" }, origin).host_key_fingerprint).toBeNull();
    expect(keptKey({ ...draft, port: 2222 }, origin).host_key_fingerprint).toBeNull();
    expect(keptKey(draft, null).host_key_fingerprint).toBeNull();
  });
});

describe("labels and sizes", () => {
  it("parse key=value lists", () => {
    expect(parseLabels("zone=eu, gpu = yes,,")).toEqual({ labels: { zone: "eu", gpu: "yes" }, error: null });
    expect(parseLabels("zone").error).toBe('"zone" is not key=value');
    expect(parseLabels("")).toEqual({ labels: {}, error: null });
  });

  it("format bytes", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(8 * 1024 ** 3)).toBe("8.0 GB");
    expect(formatBytes(1536 * 1024)).toBe("1.5 MB");
  });
});
