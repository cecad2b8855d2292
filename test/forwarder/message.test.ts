/**
 * Fitting an occurrence into one SQS message (forwarder/message.ts): the trim steps run in
 * order of least valuable evidence, each only while the body is still over the limit.
 */
import { describe, expect, it } from "vitest";
import { toMessage } from "../../forwarder/message.ts";
import { type OccurrenceInput, OccurrenceSchema } from "../../shared/schema/occurrence.ts";

const STEPS = ["logTail", "topPods", "memorySettings", "otherContainers", "nodeSnapshot", "podSnapshot", "message", "evictionContainers"];

const size = (body: string) => Buffer.byteLength(body, "utf8");

/** An eviction carrying every kind of evidence a step can trim, each big enough to matter. */

function heavyEviction(): OccurrenceInput {
  return {
    version: 1,
    key: "evict:u1",
    kind: "PodEviction",
    cluster: "c",
    occurredAt: "2026-01-01T00:00:00.000Z",
    observedAt: "2026-01-01T00:00:01.000Z",
    source: "pod-status",
    namespace: "n",
    pod: { name: "p", uid: "u1" },
    message: `The node was low on resource: memory. ${"é".repeat(2000)}`,
    eviction: {
      resource: "memory",
      containers: Array.from({ length: 40 }, (_, i) => ({ name: `c${i}`, usageBytes: 1000 + i })),
      signal: "pod-status",
    },
    snapshot: {
      pod: {
        name: "p",
        namespace: "n",
        uid: "u1",
        workload: { kind: "Deployment", name: "d" },
        containers: Array.from({ length: 30 }, (_, i) => ({ name: `c${i}`, type: "regular" as const, memorySettings: { JAVA_OPTS: "-Xmx1g ".repeat(50) } })),
        logTail: Array.from({ length: 20 }, (_, i) => `line ${i} ${"x".repeat(500)}`),
      },
      node: { name: "node", topPods: Array.from({ length: 50 }, (_, i) => ({ namespace: "n", name: `pod-${i}-${"y".repeat(100)}` })) },
    },
  };
}

describe("toMessage: fitting the SQS limit", () => {
  it("leaves a message that fits untouched", () => {
    const input = heavyEviction();
    const m = toMessage(input, 10_000_000)!;
    expect(m.trimmed).toEqual([]);
    expect(JSON.parse(m.body)).toEqual(OccurrenceSchema.parse(input));
  });

  it("applies the steps in order, each only while the body is over the limit (a body exactly at the limit fits)", () => {
    const input = heavyEviction();
    let previous = toMessage(input, 10_000_000)!;
    for (let k = 0; k < STEPS.length; k++) {
      const m = toMessage(input, size(previous.body) - 1)!;
      expect(m.trimmed, `one byte under the size after ${k} steps`).toEqual(STEPS.slice(0, k + 1));
      expect(size(m.body)).toBeLessThan(size(previous.body));
      expect(OccurrenceSchema.parse(JSON.parse(m.body))).toEqual(m.occurrence);
      expect(toMessage(input, size(m.body))!.trimmed, "exactly at the limit").toEqual(m.trimmed);
      previous = m;
    }
  });

  it("each step removes only its own evidence", () => {
    const full = toMessage(heavyEviction(), 10_000_000)!.occurrence;
    const trimmedBy = (steps: number) => {
      let limit = size(JSON.stringify(full));
      let m = toMessage(heavyEviction(), limit)!;
      while (m.trimmed.length < steps) {
        limit = size(m.body) - 1;
        m = toMessage(heavyEviction(), limit)!;
      }
      return m.occurrence;
    };
    expect(trimmedBy(1).snapshot.pod?.logTail).toBeUndefined();
    expect(trimmedBy(1).snapshot.node?.topPods).toEqual(full.snapshot.node?.topPods);
    expect(trimmedBy(2).snapshot.node?.topPods).toEqual([]);
    expect(trimmedBy(2).snapshot.pod?.containers.map((c) => c.memorySettings)).toEqual(full.snapshot.pod?.containers.map((c) => c.memorySettings));
    expect(trimmedBy(3).snapshot.pod?.containers.every((c) => Object.keys(c.memorySettings ?? {}).length === 0)).toBe(true);
    expect(trimmedBy(3).snapshot.pod?.containers).toHaveLength(30);
    // An eviction names no single container: no container of the pod snapshot is kept.
    expect(trimmedBy(4).snapshot.pod?.containers).toEqual([]);
    expect(trimmedBy(4).snapshot.node).toBeDefined();
    expect(trimmedBy(5).snapshot.node).toBeUndefined();
    expect(trimmedBy(5).snapshot.pod).toBeDefined();
    expect(trimmedBy(6).snapshot).toEqual({});
    expect(trimmedBy(6).message).toBe(full.message);
    expect(trimmedBy(7).message).toBe(full.message?.slice(0, 256));
    expect(trimmedBy(7).eviction?.containers).toHaveLength(40);
    expect(trimmedBy(8).eviction?.containers).toEqual(full.eviction?.containers.slice(0, 5));
  });

  it("keeps the OOM-killed container when it drops the others", () => {
    const input = heavyEviction();
    const oom: OccurrenceInput = {
      ...input,
      key: "oom:u1:c7:t",
      kind: "ContainerOOM",
      message: undefined,
      eviction: undefined,
      container: { name: "c7", type: "regular", reason: "OOMKilled" },
    };
    let m = toMessage(oom, 10_000_000)!;
    while (!m.trimmed.includes("otherContainers")) m = toMessage(oom, size(m.body) - 1)!;
    expect(m.trimmed).toEqual(STEPS.slice(0, 4));
    expect(m.occurrence.snapshot.pod?.containers.map((c) => c.name)).toEqual(["c7"]);
  });

  it("sends the occurrence itself even when every step was not enough", () => {
    const m = toMessage(heavyEviction(), 100)!;
    expect(m.trimmed).toEqual(STEPS);
    expect(size(m.body)).toBeGreaterThan(100);
    expect(m.occurrence).toMatchObject({ key: "evict:u1", kind: "PodEviction", snapshot: {} });
  });

  it("does not change its input", () => {
    const input = heavyEviction();
    const copy = structuredClone(input);
    toMessage(input, 100);
    expect(input).toEqual(copy);
  });
});

function bigOccurrence(): OccurrenceInput {
  const container = (i: number) => ({
    name: i === 0 ? "app" : `c${i}`,
    type: "regular" as const,
    memorySettings: { JAVA_OPTS: "-Xmx1g ".repeat(200) },
  });
  return {
    version: 1,
    key: "oom:u:app:t",
    kind: "ContainerOOM",
    cluster: "c",
    occurredAt: "2026-01-01T00:00:00.000Z",
    observedAt: "2026-01-01T00:00:01.000Z",
    source: "pod-status",
    container: { name: "app", type: "regular", reason: "OOMKilled" },
    snapshot: {
      pod: {
        name: "p",
        namespace: "n",
        uid: "u",
        workload: { kind: "Deployment", name: "d" },
        containers: Array.from({ length: 40 }, (_, i) => container(i)),
        logTail: Array.from({ length: 50 }, () => "x".repeat(1000)),
      },
      node: {
        name: "node",
        topPods: Array.from({ length: 10 }, (_, i) => ({ namespace: "n", name: `p${i}`.repeat(100) })),
      },
    },
  };
}

describe("toMessage: what it keeps", () => {
  it("trims the least valuable evidence first, stays valid and under the limit", () => {
    const input = bigOccurrence();
    const full = toMessage(input, 10_000_000)!;
    expect(full.trimmed).toEqual([]);
    const limit = 60_000;
    expect(Buffer.byteLength(full.body)).toBeGreaterThan(limit);
    const m = toMessage(input, limit)!;
    expect(Buffer.byteLength(m.body)).toBeLessThanOrEqual(limit);
    expect(m.trimmed[0]).toBe("logTail");
    expect(m.occurrence.snapshot.pod?.containers.length).toBeGreaterThan(0);
  });

  it("never fails for evidence: an invalid snapshot is dropped, the occurrence kept", () => {
    const input = bigOccurrence();
    (input.snapshot.pod as { uid: unknown }).uid = 42;
    const m = toMessage(input)!;
    expect(m.trimmed).toEqual(["invalidSnapshot"]);
    expect(m.occurrence.snapshot).toEqual({});
  });

  it("rejects an occurrence whose own fields are invalid", () => {
    expect(toMessage({ ...bigOccurrence(), occurredAt: "yesterday" })).toBeUndefined();
  });
});

describe("toMessage: the memory trace", () => {
  // Two days at 10 s: far more than a 30-min history ever holds, so the trace alone overflows the limit.
  const longTrace = () => ({
    source: "metrics-server" as const,
    stepSeconds: 10,
    samples: Array.from({ length: 17_280 }, (_, i) => [1_767_000_000 + i * 10, (500 + (i % 400)) * 2 ** 20] as [number, number]),
    limitBytes: 1024 * 2 ** 20,
  });

  it("trims the trace before any other evidence, keeping the newest sample and the peak", () => {
    const input = { ...bigOccurrence(), memoryTrace: longTrace() };
    const withoutTrace = toMessage(bigOccurrence(), 10_000_000)!;
    const limit = size(withoutTrace.body) + 2_000;
    const m = toMessage(input, limit)!;
    expect(m.trimmed).toEqual(["memoryTrace"]);
    expect(size(m.body)).toBeLessThanOrEqual(limit);
    expect(m.occurrence.snapshot).toEqual(withoutTrace.occurrence.snapshot);
    const samples = m.occurrence.memoryTrace?.samples ?? [];
    expect(samples.length).toBeGreaterThanOrEqual(12);
    expect(samples.at(-1)?.[0]).toBe(input.memoryTrace.samples.at(-1)?.[0]);
    expect(Math.max(...samples.map(([, b]) => b))).toBe(899 * 2 ** 20);
    expect(m.occurrence.memoryTrace?.limitBytes).toBe(1024 * 2 ** 20);
  });

  it("keeps a downsampled trace while other evidence goes, and never fails", () => {
    const input = { ...bigOccurrence(), memoryTrace: longTrace() };
    const m = toMessage(input, 5_000)!;
    expect(m.trimmed.slice(0, 2)).toEqual(["memoryTrace", "logTail"]);
    expect(size(m.body)).toBeLessThanOrEqual(5_000);
    expect(m.occurrence.memoryTrace?.samples.length).toBeGreaterThan(0);
    const tiny = toMessage(input, 300)!;
    expect(tiny.occurrence.memoryTrace?.samples ?? []).toEqual([]);
    expect(tiny.occurrence.key).toBe("oom:u:app:t");
  });
});
