import { describe, expect, it } from "vitest";
import { containerKey, keyText, MemoryHistory, nodeKey } from "../../forwarder/memory-history.ts";
import { MemoryTraceSchema } from "../../shared/memory/trace.ts";
import { Mi, T0 } from "./synthetic.ts";

const api = containerKey("uid-1", "api");

describe("MemoryHistory", () => {
  it("keeps a restarted container's history: the key is pod UID + name, not the container ID", () => {
    const h = new MemoryHistory();
    for (let i = 0; i < 20; i++) h.record(api, T0 + i * 30, (500 + i * 20) * Mi);
    // The kill at T0+600; the new instance reports a low working set afterwards, under the same key.
    h.record(api, T0 + 630, 80 * Mi);
    const all = h.samples(api);
    expect(all).toHaveLength(21);
    expect(all[19]).toEqual([T0 + 570, 880 * Mi]);
    // The run-up to the kill, without the restarted instance.
    const runUp = h.trace(api, { until: T0 + 600, limitBytes: 900 * Mi, requestBytes: 512 * Mi });
    expect(runUp?.samples).toHaveLength(20);
    expect(runUp?.samples.at(-1)).toEqual([T0 + 570, 880 * Mi]);
    expect(MemoryTraceSchema.parse(runUp)).toEqual({ source: "metrics-server", stepSeconds: 30, samples: runUp!.samples, limitBytes: 900 * Mi, requestBytes: 512 * Mi });
  });

  it("drops every container of a deleted pod and nothing else", () => {
    const h = new MemoryHistory();
    h.record(containerKey("uid-1", "api"), T0, 1 * Mi);
    h.record(containerKey("uid-1", "sidecar"), T0, 2 * Mi);
    h.record(containerKey("uid-2", "api"), T0, 3 * Mi);
    h.record(nodeKey("node-a"), T0, 4 * Mi);
    h.drop("uid-1");
    expect(h.has(containerKey("uid-1", "api"))).toBe(false);
    expect(h.has(containerKey("uid-1", "sidecar"))).toBe(false);
    expect(h.samples(containerKey("uid-2", "api"))).toEqual([[T0, 3 * Mi]]);
    expect(h.samples(nodeKey("node-a"))).toEqual([[T0, 4 * Mi]]);
    expect(h.size).toBe(2);
    // A freed slot is reused clean: no samples of the dropped pod leak into a new key.
    h.record(containerKey("uid-3", "api"), T0 + 30, 5 * Mi);
    expect(h.samples(containerKey("uid-3", "api"))).toEqual([[T0 + 30, 5 * Mi]]);
    h.dropKey(nodeKey("node-a"));
    expect(h.size).toBe(2);
  });

  it("dropKey unlinks one container and drop() still finds the rest of the pod", () => {
    const h = new MemoryHistory();
    for (const c of ["a", "b", "c"]) h.record(containerKey("uid-1", c), T0, Mi);
    h.dropKey(containerKey("uid-1", "b"));
    h.drop("uid-1");
    expect(h.size).toBe(0);
  });

  it("keeps gaps as gaps: samples keep their own timestamps", () => {
    const h = new MemoryHistory();
    for (const t of [0, 30, 60, 240, 270]) h.record(api, T0 + t, 100 * Mi);
    expect(h.samples(api).map(([t]) => t - T0)).toEqual([0, 30, 60, 240, 270]);
    expect(h.trace(api)?.stepSeconds).toBe(30);
  });

  it("ignores repeated and out-of-order timestamps (metrics-server repeats a sample until its next scrape)", () => {
    const h = new MemoryHistory();
    expect(h.record(api, T0 + 60, 100 * Mi)).toBe(true);
    expect(h.record(api, T0 + 60, 200 * Mi)).toBe(false);
    expect(h.record(api, T0 + 30, 300 * Mi)).toBe(false);
    expect(h.record(api, T0 + 90, Number.NaN)).toBe(false);
    expect(h.record(api, T0 + 90, 400 * Mi)).toBe(true);
    expect(h.samples(api)).toEqual([
      [T0 + 60, 100 * Mi],
      [T0 + 90, 400 * Mi],
    ]);
  });

  it("is bounded to the window: 30 min at 30 s keeps 61 samples, the oldest go first", () => {
    const h = new MemoryHistory();
    for (let i = 0; i < 200; i++) h.record(api, T0 + i * 30, i * Mi);
    const s = h.samples(api);
    expect(s).toHaveLength(61);
    expect(s[0]).toEqual([T0 + 139 * 30, 139 * Mi]);
    expect(s.at(-1)).toEqual([T0 + 199 * 30, 199 * Mi]);
  });

  it("forgets samples older than the window even when the ring is not full (irregular spacing)", () => {
    const h = new MemoryHistory();
    h.record(api, T0, Mi);
    h.record(api, T0 + 1000, 2 * Mi);
    h.record(api, T0 + 1900, 3 * Mi);
    expect(h.samples(api).map(([t]) => t - T0)).toEqual([1000, 1900]);
    // Silent for longer than the window: a fresh start.
    h.record(api, T0 + 1900 + 1801, 4 * Mi);
    expect(h.samples(api)).toEqual([[T0 + 3701, 4 * Mi]]);
  });

  it("recovers full timestamps across the 16-bit wrap of the compact time encoding", () => {
    const h = new MemoryHistory();
    const base = 65536 * 27_000 - 300; // the low 16 bits wrap inside the window
    for (let i = 0; i < 20; i++) h.record(api, base + i * 30, Mi);
    expect(h.samples(api).map(([t]) => t)).toEqual(Array.from({ length: 20 }, (_, i) => base + i * 30));
  });

  it("stores KiB: byte values round to the nearest KiB, large node values fit", () => {
    const h = new MemoryHistory();
    h.record(nodeKey("n"), T0, 1536 + 600);
    h.record(nodeKey("n"), T0 + 30, 512 * 2 ** 30);
    expect(h.samples(nodeKey("n"))).toEqual([
      [T0, 2048],
      [T0 + 30, 512 * 2 ** 30],
    ]);
  });

  it("prunes keys that stopped reporting (missed deletions)", () => {
    const h = new MemoryHistory();
    h.record(containerKey("old", "a"), T0, Mi);
    h.record(containerKey("new", "a"), T0 + 3600, Mi);
    expect(h.pruneOlderThan(T0 + 1800)).toBe(1);
    expect(h.has(containerKey("old", "a"))).toBe(false);
    expect(h.has(containerKey("new", "a"))).toBe(true);
  });

  it("prunes one stale container of a pod and keeps its live sibling and the pod's chain", () => {
    const h = new MemoryHistory();
    h.record(containerKey("uid-1", "a"), T0, Mi);
    h.record(containerKey("uid-1", "b"), T0 + 3600, 2 * Mi);
    h.record(containerKey("uid-1", "c"), T0, 3 * Mi);
    h.record(nodeKey("gone"), T0, Mi);
    expect(h.pruneOlderThan(T0 + 1800)).toBe(3);
    expect(h.samples(containerKey("uid-1", "b"))).toEqual([[T0 + 3600, 2 * Mi]]);
    expect(h.has(containerKey("uid-1", "a"))).toBe(false);
    expect(h.has(nodeKey("gone"))).toBe(false);
    h.drop("uid-1");
    expect(h.size).toBe(0);
  });

  it("tells containers and nodes of the same name apart, and a name freed by every pod is reusable", () => {
    const h = new MemoryHistory();
    h.record(containerKey("uid-1", "x"), T0, Mi);
    h.record(nodeKey("x"), T0, 2 * Mi);
    expect(h.samples(containerKey("uid-1", "x"))).toEqual([[T0, Mi]]);
    expect(h.samples(nodeKey("x"))).toEqual([[T0, 2 * Mi]]);
    expect(h.has(containerKey("uid-2", "x"))).toBe(false);
    h.drop("uid-1");
    h.record(containerKey("uid-2", "y"), T0 + 30, 3 * Mi);
    h.record(containerKey("uid-2", "x"), T0 + 30, 4 * Mi);
    expect(h.samples(containerKey("uid-2", "x"))).toEqual([[T0 + 30, 4 * Mi]]);
    expect(h.samples(containerKey("uid-2", "y"))).toEqual([[T0 + 30, 3 * Mi]]);
    expect(keyText(containerKey("uid-2", "x"))).toBe("uid-2/x");
    expect(keyText(nodeKey("x"))).toBe("node:x");
  });

  it("accounts its memory: 20,000 containers with 30 min of history stay within 12 MiB", () => {
    const h = new MemoryHistory();
    for (let p = 0; p < 10_000; p++) {
      const uid = `0b3f6a2e-1c4d-4e5f-8a9b-${String(p).padStart(12, "0")}`;
      for (const c of ["app", "sidecar"]) for (let i = 0; i < 61; i++) h.record(containerKey(uid, c), T0 + i * 30, (100 + i) * Mi);
    }
    const m = h.memoryUsage();
    expect(m.keys).toBe(20_000);
    expect(m.typedArrayBytes).toBeGreaterThanOrEqual(20_000 * 61 * 6);
    expect(m.totalBytes).toBeLessThan(12 * 2 ** 20);
  });
});
