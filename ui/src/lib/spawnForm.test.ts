import { describe, expect, it } from "vitest";
import { testKind } from "../test/fixtures";
import { buildSpawnRequest, fieldErrorsToProblems, grantable, initialSpawnInputs, missingCredentials, settingsFields, unplacedProblems } from "./spawnForm";

describe("spawn form", () => {
  it("starts from the kind's defaults, automatic placement and one replica", () => {
    expect(initialSpawnInputs(testKind)).toMatchObject({ host: "", cpu_limit: "0.5", memory_limit_mb: "128", replicas: "1" });
  });

  it("builds the SpawnRequest from valid inputs", () => {
    const inputs = { ...initialSpawnInputs(testKind), agent_id: "echo-1", replicas: "2" };
    inputs.settings.delay_ms = "10";
    const { request, problems } = buildSpawnRequest(testKind, inputs);
    expect(problems).toEqual({});
    expect(request).toEqual({
      agent_id: "echo-1",
      agent_type: "test-agent",
      category: "core",
      display_name: "echo-1",
      host: null,
      cpu_limit: 0.5,
      memory_limit_mb: 128,
      replicas: 2,
      settings: { greeting: "hello", delay_ms: 10, verbose: true, mode: "fast" },
      credentials: ["API_TOKEN", "OTHER"],
      grants: [],
    });
  });

  it("offers a tick only for privileges granted by one, and sends only those the kind declares", () => {
    const dockerKind = { ...testKind, kind: "docker-agent", privileges: ["docker_socket" as const, "host_directories" as const] };
    expect(grantable(testKind)).toEqual([]);
    expect(grantable(dockerKind)).toEqual(["docker_socket"]);
    const inputs = { ...initialSpawnInputs(dockerKind), agent_id: "engine-1", grants: ["docker_socket" as const] };
    expect(buildSpawnRequest(dockerKind, inputs).request?.grants).toEqual(["docker_socket"]);
    expect(buildSpawnRequest(testKind, { ...inputs, agent_id: "echo-1" }).request?.grants).toEqual([]);
  });

  it("refuses bad identity, limits and settings with a problem per field", () => {
    const inputs = { ...initialSpawnInputs(testKind), agent_id: "Bad_Id", cpu_limit: "0", memory_limit_mb: "1.5", replicas: "0", host: "vm-a" };
    inputs.settings.delay_ms = "5000";
    const { request, problems } = buildSpawnRequest(testKind, inputs);
    expect(request).toBeNull();
    expect(Object.keys(problems).sort()).toEqual(["agent_id", "cpu_limit", "memory_limit_mb", "replicas", "settings.delay_ms"]);
  });

  it("maps Rust's field errors onto the form's fields", () => {
    expect(
      fieldErrorsToProblems([
        { field: "agent_id", message: "already exists" },
        { field: "settings/greeting", message: "too long" },
        { field: "settings.mode", message: "unknown" },
        { field: "agent_id", message: "second problem" },
        { field: "memory_limit", message: "must be at least 16 MB" },
      ]),
    ).toEqual({ agent_id: "already exists", "settings.greeting": "too long", "settings.mode": "unknown", memory_limit_mb: "must be at least 16 MB" });
  });

  it("lists problems with no field of their own under the form", () => {
    const problems = { agent_id: "taken", "settings.greeting": "too long", credentials: "OTHER is not in the OS keyring", settings: "bad" };
    expect(unplacedProblems(problems, settingsFields(testKind))).toEqual([
      ["credentials", "OTHER is not in the OS keyring"],
      ["settings", "bad"],
    ]);
  });

  it("lists the credentials the keyring lacks", () => {
    expect(missingCredentials(testKind)).toEqual(["OTHER"]);
  });
});
