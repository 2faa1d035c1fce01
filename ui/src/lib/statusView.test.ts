import { describe, expect, it } from "vitest";
import type { SystemStatus } from "../bindings/SystemStatus";
import { formatCheckedAt, formatLatency, serviceRows } from "./statusView";

const allUp: SystemStatus = {
  checked_at: "2026-11-24T21:05:09Z",
  docker: {
    endpoint: "/var/run/docker.sock",
    probe: {
      state: "up",
      latency_ms: 4,
      info: { version: "20.10.24", api_version: "1.41", os: "linux", arch: "amd64", containers: 3, containers_running: 2 },
    },
  },
  redis: { endpoint: "redis://127.0.0.1:6390/0", probe: { state: "up", latency_ms: 0, info: { version: "7.0.15", ping: "PONG" } } },
  store: {
    endpoint: "sqlite:/data/myca.db",
    probe: {
      state: "up",
      latency_ms: 2,
      info: { backend: "sqlite", migrations_applied: 1, migrations_available: 1, up_to_date: true },
    },
  },
};

describe("serviceRows", () => {
  it("describes every service that is up", () => {
    const [docker, redis, store] = serviceRows(allUp);
    expect(docker).toMatchObject({ key: "docker", state: "up", badge: "up", reason: null, latency: "4 ms", summary: "Docker 20.10.24" });
    expect(redis.summary).toBe("Redis 7.0.15 · PONG");
    expect(store.summary).toBe("SQLite 1/1");
    expect(docker.details).toEqual(["Docker 20.10.24 · API 1.41", "linux/amd64", "2 of 3 containers running"]);
    expect(redis.details).toEqual(["Redis 7.0.15", "PING → PONG"]);
    expect(redis.latency).toBe("<1 ms");
    expect(store.details).toEqual(["SQLite", "migrations 1/1", "schema up to date"]);
  });

  it("shows a down service with its reason and no details", () => {
    const status: SystemStatus = {
      ...allUp,
      redis: { endpoint: "redis://127.0.0.1:1/0", probe: { state: "down", latency_ms: 3000, reason: "no answer within 3 s" } },
    };
    const redis = serviceRows(status)[1];
    expect(redis).toMatchObject({ state: "down", badge: "down", reason: "no answer within 3 s", details: [], latency: "3000 ms", summary: "Redis" });
  });

  it("flags pending migrations on PostgreSQL", () => {
    const status: SystemStatus = {
      ...allUp,
      store: {
        endpoint: "postgres://myca:***@db/myca",
        probe: { state: "up", latency_ms: 9, info: { backend: "postgres", migrations_applied: 1, migrations_available: 2, up_to_date: false } },
      },
    };
    expect(serviceRows(status)[2].details).toEqual(["PostgreSQL", "migrations 1/2", "migrations pending"]);
  });
});

describe("formatting", () => {
  it("formats latency", () => {
    expect(formatLatency(0)).toBe("<1 ms");
    expect(formatLatency(12)).toBe("12 ms");
  });

  it("shows checked-at as local HH:MM:SS and leaves garbage alone", () => {
    const iso = "2026-11-24T21:05:09Z";
    const local = new Date(iso);
    const expected = [local.getHours(), local.getMinutes(), local.getSeconds()]
      .map((n) => String(n).padStart(2, "0"))
      .join(":");
    expect(formatCheckedAt(iso)).toBe(expected);
    expect(formatCheckedAt("not a date")).toBe("not a date");
  });
});
