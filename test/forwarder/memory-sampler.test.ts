/**
 * The memory sampler and Level 0 against the simulator with the real client-node: samples carry the
 * metrics API's timestamps, a restart keeps the history, a deletion drops it, an OOM carries the
 * run-up (not the restarted instance), a missing or failing metrics API costs samples and nothing
 * else, and early warnings are sent by the leader only, once per episode, again on critical.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { containerKey, nodeKey } from "../../forwarder/memory-history.ts";
import type { Forwarder } from "../../forwarder/forwarder.ts";
import * as f from "../../sandbox/k8s-sim/factories.ts";
import { EarlyWarningPolicySchema } from "../../shared/memory/early-warning.ts";
import type { Occurrence } from "../../shared/schema/occurrence.ts";
import { waitFor } from "../support/wait.ts";
import { collectingLogger, createHarness, type Harness, keyCounts } from "./support.ts";

const Mi = 2 ** 20;
// Recent: occurrences older than the forwarder's lookback (1 h) are not sent.
const T0 = Math.floor(Date.now() / 60_000) * 60 - 600;
const iso = (s: number) => new Date(s * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
// Short rules so a handful of 30 s samples make an episode; no trend verdicts to keep the cases exact.
const policy = EarlyWarningPolicySchema.parse({
  container: { warning: { percent: 85, forSeconds: 60 }, critical: { percent: 95, forSeconds: 60 } },
  trend: { enabled: false },
});

let h: Harness;
let fw: Forwarder;
const logger = collectingLogger();
const observed: Occurrence[] = [];

const api = f.pod("shop", "api-0", { nodeName: "node-a", containers: [{ name: "app", requests: { memory: "500Mi" }, limits: { memory: "1000Mi" } }] });
const uid = api.metadata?.uid ?? "";

function sample(at: number, appMi: number, nodeMi = 4096): void {
  h.sim.setMetrics({ namespace: "shop", pod: "api-0", containers: { app: { memory: `${appMi}Mi` } }, timestamp: iso(at) });
  h.sim.setMetrics({ node: "node-a", usage: { memory: `${nodeMi}Mi` }, timestamp: iso(at) });
}

async function metricsText(forwarder: Forwarder): Promise<string> {
  return (await fetch(`http://127.0.0.1:${forwarder.metricsPort}/metrics`)).text();
}

beforeAll(async () => {
  h = await createHarness("fwd-sampler");
  h.sim.apply(f.namespace("shop"));
  h.sim.apply(f.node("node-a", { memory: "16Gi" }));
  h.sim.apply(api);
  // The test drives rounds with sampleNow(); a timer round in between re-reads the same timestamps and adds nothing.
  fw = await h.start({ logger, metricsPort: 0, metricsIntervalMs: 30_000, earlyWarningPolicy: policy });
  fw.on("observed", (o) => observed.push(o));
});

afterAll(async () => {
  await h?.close();
});

describe("memory sampler", () => {
  it("records working sets of running containers and nodes with the metrics API's timestamps", async () => {
    sample(T0, 400);
    await fw.sampleNow();
    sample(T0 + 30, 420);
    await fw.sampleNow();
    // Same timestamp again (metrics-server repeats until its next scrape): not a new sample.
    await fw.sampleNow();
    expect(fw.history.samples(containerKey(uid, "app"))).toEqual([
      [T0, 400 * Mi],
      [T0 + 30, 420 * Mi],
    ]);
    expect(fw.history.samples(nodeKey("node-a"))).toEqual([
      [T0, 4096 * Mi],
      [T0 + 30, 4096 * Mi],
    ]);
    expect(await metricsText(fw)).toMatch(/oomwatch_forwarder_memory_samples_total 4\b/);
  });

  it("keeps the history across a restart, and the OOM's trace stops at the kill", async () => {
    sample(T0 + 60, 700);
    await fw.sampleNow();
    sample(T0 + 90, 990);
    await fw.sampleNow();
    // Killed 5 s after the last sample; the restarted instance is sampled afterwards.
    h.sim.apply(f.podOomKilled(api, "app", { finishedAt: iso(T0 + 95) }));
    await waitFor("the OOM", () => observed.some((o) => o.kind === "ContainerOOM"));
    sample(T0 + 120, 80);
    await fw.sampleNow();
    const oom = observed.find((o) => o.kind === "ContainerOOM")!;
    expect(oom.memoryTrace).toMatchObject({ source: "metrics-server", stepSeconds: 30, limitBytes: 1000 * Mi, requestBytes: 500 * Mi });
    expect(oom.memoryTrace?.samples.map(([t]) => t)).toEqual([T0, T0 + 30, T0 + 60, T0 + 90]);
    expect(fw.history.samples(containerKey(uid, "app")).map(([, b]) => b / Mi)).toEqual([400, 420, 700, 990, 80]);
  });

  it("gives a node occurrence the node's trace (allocatable as limit) and its largest containers", async () => {
    h.sim.apply(f.systemOOMEvent("node-a", { process: "java", pid: 4711, at: iso(T0 + 125) }));
    await waitFor("the node OOM", () => observed.some((o) => o.kind === "NodeOOM"));
    const o = observed.find((x) => x.kind === "NodeOOM")!;
    expect(o.memoryTrace?.samples.map(([, b]) => b / Mi)).toEqual([4096, 4096, 4096, 4096, 4096]);
    expect(o.memoryTrace?.limitBytes).toBe(16 * 1024 * Mi - 1124 * Mi);
    expect(o.topContainers).toEqual([{ namespace: "shop", pod: "api-0", container: "app", workingSetBytes: 80 * Mi, limitBytes: 1000 * Mi, requestBytes: 500 * Mi }]);
  });

  it("survives a missing, forbidden or failing metrics API: no samples, a metric, one log line per change", async () => {
    const before = fw.history.samples(containerKey(uid, "app")).length;
    for (const [status, reason] of [
      [404, "not-found"],
      [403, "forbidden"],
      [500, "server-error"],
    ] as const) {
      h.sim.failMetrics(status);
      sample(T0 + 130 + status, 100);
      await fw.sampleNow();
      await fw.sampleNow();
      expect(await metricsText(fw)).toContain(`oomwatch_forwarder_metrics_errors_total{reason="${reason}"} 2`);
    }
    const warnings = logger.lines.filter((l) => l.message === "metrics API unavailable: no memory samples");
    expect(warnings.map((l) => l.extra?.reason)).toEqual(["not-found", "forbidden", "server-error"]);
    expect(fw.history.samples(containerKey(uid, "app"))).toHaveLength(before);
    h.sim.failMetrics(undefined);
    sample(T0 + 700, 100);
    await fw.sampleNow();
    expect(fw.history.samples(containerKey(uid, "app"))).toHaveLength(before + 1);
    expect(logger.lines.filter((l) => l.message === "metrics API answers: sampling memory").length).toBeGreaterThanOrEqual(2);
  });

  it("drops the history of a deleted pod", async () => {
    expect(fw.history.has(containerKey(uid, "app"))).toBe(true);
    h.sim.remove("v1", "Pod", "shop", "api-0");
    await waitFor("history dropped", () => !fw.history.has(containerKey(uid, "app")));
  });

  it("drops the history of a deleted node", async () => {
    h.sim.apply(f.node("node-z", { memory: "8Gi" }));
    await waitFor("node-z sampled", async () => {
      h.sim.setMetrics({ node: "node-z", usage: { memory: "1Gi" }, timestamp: iso(T0 + 150) });
      await fw.sampleNow();
      return fw.history.has(nodeKey("node-z"));
    });
    h.sim.remove("v1", "Node", undefined, "node-z");
    await waitFor("node history dropped", () => !fw.history.has(nodeKey("node-z")));
  });
});

describe("Level 0 early warnings", () => {
  const web = f.pod("shop", "web-0", { nodeName: "node-a", containers: [{ name: "web", limits: { memory: "1000Mi" } }] });
  const webUid = web.metadata?.uid ?? "";
  const at = (s: number, mi: number) => h.sim.setMetrics({ namespace: "shop", pod: "web-0", containers: { web: { memory: `${mi}Mi` } }, timestamp: iso(T0 + 1000 + s) });

  it("emits one MemoryNearLimit per episode from the leader, and a new one when it turns critical", async () => {
    h.sim.apply(web);
    await waitFor("web in the cache", async () => {
      at(0, 900);
      await fw.sampleNow();
      return fw.history.has(containerKey(webUid, "web"));
    });
    for (const [s, mi] of [
      [30, 900],
      [60, 900],
      [90, 910], // re-evaluation of the same episode: same key
      [120, 960],
      [150, 960],
      [180, 970],
    ] as const) {
      at(s, mi);
      await fw.sampleNow();
    }
    const firing = iso(T0 + 1060);
    const critical = iso(T0 + 1180);
    await waitFor("both warnings sent", async () => {
      const got = await h.drain(200);
      return got.filter((o) => o.kind === "MemoryNearLimit").length >= 2;
    });
    const warnings = h.received.filter((o) => o.kind === "MemoryNearLimit");
    expect([...keyCounts(warnings)]).toEqual([
      [`warn:${webUid}:web:warning:${new Date(Date.parse(firing)).toISOString()}`, 1],
      [`warn:${webUid}:web:critical:${new Date(Date.parse(critical)).toISOString()}`, 1],
    ]);
    const [warning, crit] = warnings;
    expect(warning?.warning).toMatchObject({ ruleId: "container-warning", severity: "warning", limitBytes: 1000 * Mi, currentPercent: 90 });
    expect(warning?.memoryTrace?.samples).toHaveLength(3);
    expect(warning?.snapshot.pod?.name).toBe("web-0");
    expect(crit?.warning).toMatchObject({ ruleId: "container-critical", severity: "critical", firingSince: new Date(Date.parse(critical)).toISOString() });
  });

  it("a standby evaluates but does not send", async () => {
    h.sim.apply(f.lease("oomwatch", "fwd-sampler-lease", "someone-else", { durationSeconds: 3600 }));
    const standby = await h.start({
      identity: "standby",
      metricsIntervalMs: 30_000,
      earlyWarningPolicy: policy,
      leaderElection: { namespace: "oomwatch", name: "fwd-sampler-lease", leaseDurationMs: 3_600_000, renewMs: 1000 },
    });
    const seen: Occurrence[] = [];
    standby.on("observed", (o) => seen.push(o));
    for (let s = 300; s <= 390; s += 30) {
      at(s, 900);
      await standby.sampleNow();
    }
    await waitFor("the standby observed it", () => seen.some((o) => o.kind === "MemoryNearLimit"));
    expect(standby.stats()).toMatchObject({ leader: false, sent: 0, outbox: 0 });
    // Counted from the bare occurrence: a standby makes no evidence lookups for what it does not send.
    expect(seen.find((o) => o.kind === "MemoryNearLimit")!.snapshot).toEqual({});
  });
});
