/**
 * Each memory signal, through the real client-node against the API simulator and
 * the real SQS client against the emulator: detected once, with the documented key
 * and the evidence; look-alikes not reported; secrets never copied.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as f from "../../sandbox/k8s-sim/factories.ts";
import type { Forwarder } from "../../forwarder/forwarder.ts";
import type { Occurrence } from "../../shared/schema/occurrence.ts";
import { createHarness, type Harness, keyCounts } from "./support.ts";
import { waitFor } from "../support/wait.ts";

const iso = (s: string) => new Date(s).toISOString();

let h: Harness;
let fw: Forwarder;
const observed: Occurrence[] = [];
const sent: Occurrence[] = [];

beforeAll(async () => {
  h = await createHarness("fwd-signals");
  h.sim.apply(f.namespace("shop", { annotations: { "oomwatch.io/slack-channel": "#shop-oncall" } }));
  h.sim.apply(f.node("node-a", { memory: "8Gi" }));
  fw = await h.start();
  fw.on("observed", (o) => observed.push(o));
  fw.on("sent", (o) => sent.push(o));
});

afterAll(async () => {
  await h?.close();
});

async function sentKey(key: string): Promise<Occurrence> {
  await waitFor(key, () => sent.some((o) => o.key === key), 10_000);
  await h.drain(300);
  const matches = h.received.filter((o) => o.key === key);
  expect(matches).toHaveLength(1);
  return matches[0]!;
}

describe("forwarder signals", () => {
  it("container OOM of a Deployment pod: key, workload through the ReplicaSet, evidence, secrets never copied", async () => {
    const d = f.deployment("shop", "api", {
      containers: [
        {
          name: "app",
          requests: { memory: "256Mi", cpu: "100m" },
          limits: { memory: "512Mi" },
          env: {
            JAVA_OPTS: "-Xmx384m -XX:MaxRAMPercentage=75 -Djavax.net.ssl.trustStorePassword=hunter2-secret",
            DB_PASSWORD: "s3cr3t-value-do-not-leak",
            GOMEMLIMIT: { secretKeyRef: { name: "db", key: "limit" } },
          },
          args: ["--token=tok-very-secret", "--max-old-space-size=300"],
        },
      ],
    });
    h.sim.apply(d.deployment);
    h.sim.apply(d.replicaSet);
    const running = d.pod(0, { nodeName: "node-a" });
    h.sim.apply(running);
    const oom = f.podOomKilled(running, "app", { finishedAt: new Date(Date.now() - 60_000).toISOString() });
    h.sim.apply(oom);
    const term = oom.status?.containerStatuses?.[0]?.lastState?.terminated;
    const key = `oom:${oom.metadata?.uid}:app:${iso(String(term?.finishedAt))}`;
    const o = await sentKey(key);
    expect(o).toMatchObject({
      kind: "ContainerOOM",
      cluster: "test",
      namespace: "shop",
      node: "node-a",
      container: { name: "app", type: "regular", reason: "OOMKilled", exitCode: 137, restartCount: 1 },
    });
    const pod = o.snapshot.pod!;
    expect(pod.workload).toEqual({ kind: "Deployment", name: "api" });
    expect(pod.owner).toEqual({ kind: "ReplicaSet", name: d.replicaSet.metadata?.name });
    expect(pod.namespaceAnnotations).toEqual({ "oomwatch.io/slack-channel": "#shop-oncall" });
    const app = pod.containers.find((c) => c.name === "app")!;
    expect(app.limits.memory).toBe(512 * 2 ** 20);
    expect(app.memorySettings).toEqual({
      JAVA_OPTS: "-Xmx384m -XX:MaxRAMPercentage=75",
      GOMEMLIMIT: "<from secretKeyRef>",
      args: "--max-old-space-size=300",
    });
    expect(o.snapshot.node?.name).toBe("node-a");
    const body = JSON.stringify(h.received);
    for (const secret of ["hunter2-secret", "s3cr3t-value-do-not-leak", "tok-very-secret", "DB_PASSWORD"]) expect(body).not.toContain(secret);
  });

  it("init-container and sidecar OOMs are typed, CronJob workload through its Job", async () => {
    const cj = f.cronJob("shop", "nightly", {
      containers: [{ name: "main", limits: { memory: "128Mi" } }],
      initContainers: [{ name: "fetch" }, { name: "proxy", sidecar: true }],
    });
    const job = cj.job();
    h.sim.apply(cj.cronJob);
    h.sim.apply(job);
    const p = cj.pod(job, { nodeName: "node-a" });
    h.sim.apply(p);
    const p2 = f.podOomKilled(f.podOomKilled(p, "fetch", { init: true, inLastState: false }), "proxy", { init: true });
    h.sim.apply(p2);
    await waitFor("two init OOMs", () => observed.filter((o) => o.pod?.uid === p.metadata?.uid).length === 2, 10_000);
    const mine = observed.filter((o) => o.pod?.uid === p.metadata?.uid);
    expect(Object.fromEntries(mine.map((o) => [o.container?.name, o.container?.type]))).toEqual({ fetch: "init", proxy: "sidecar" });
    expect(mine[0]!.snapshot.pod?.workload).toEqual({ kind: "CronJob", name: "nightly" });
  });

  it("memory eviction: one occurrence from status, event and DisruptionTarget, with per-container usage", async () => {
    const p = f.pod("shop", "worker-1", { nodeName: "node-a", containers: [{ name: "w", requests: { memory: "100Mi" } }] });
    h.sim.apply(p);
    const opts = { containers: [{ name: "w", usage: "900Mi" }] };
    h.sim.apply(f.evictionEvent(p, opts));
    h.sim.apply(f.podEvicted(p, opts));
    const o = await sentKey(`evict:${p.metadata?.uid}`);
    expect(o.kind).toBe("PodEviction");
    expect(o.eviction).toMatchObject({ resource: "memory", thresholdBytes: 100 * 2 ** 20, containers: [{ name: "w", usageBytes: 900 * 2 ** 20 }] });
  });

  it("old kubelet eviction format parses too", async () => {
    const p = f.pod("shop", "worker-old", { nodeName: "node-a", containers: [{ name: "w", requests: { memory: "64Mi" } }] });
    h.sim.apply(p);
    h.sim.apply(f.podEvicted(p, { format: "old", containers: [{ name: "w", usage: "300Mi" }] }));
    const o = await sentKey(`evict:${p.metadata?.uid}`);
    expect(o.eviction?.containers).toEqual([{ name: "w", usageBytes: 300 * 2 ** 20, requestBytes: 64 * 2 ** 20 }]);
  });

  it("node OOM (SystemOOM and OOMKilling) and memory pressure (condition and both events)", async () => {
    const at = new Date(Date.now() - 30_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    h.sim.apply(f.systemOOMEvent("node-a", { process: "java", pid: 4321, at }));
    h.sim.apply(f.oomKillingEvent("node-a", { process: "python3", pid: 999, at }));
    const n = h.sim.get<ReturnType<typeof f.node>>("Node", undefined, "node-a")!;
    const pressured = f.nodeMemoryPressure(n, true, { at });
    h.sim.apply(pressured);
    h.sim.apply(f.evictionThresholdMetEvent("node-a", { at: new Date(Date.parse(at) + 1000).toISOString() }));
    h.sim.apply(f.nodeHasInsufficientMemoryEvent("node-a", { at: new Date(Date.parse(at) + 2000).toISOString() }));
    const keys = [
      `nodeoom:node-a:SystemOOM:4321:${iso(at)}`,
      `nodeoom:node-a:OOMKilling:999:${iso(at)}`,
      `pressure:node-a:${iso(at)}`,
      `pressure:node-a:${new Date(Date.parse(at) + 1000).toISOString()}`,
      `pressure:node-a:${new Date(Date.parse(at) + 2000).toISOString()}`,
    ];
    await waitFor("node keys", () => keys.every((k) => sent.some((o) => o.key === k)), 10_000);
    await h.drain(300);
    const counts = keyCounts(h.received);
    for (const k of keys) expect(counts.get(k), k).toBe(1);
    const sys = h.received.find((o) => o.key === keys[0])!;
    expect(sys.nodeOOM).toEqual({ reason: "SystemOOM", process: "java", pid: 4321 });
    expect(sys.snapshot.node?.capacity.memory).toBe(8 * 2 ** 30);
    expect(sys.snapshot.node?.topPods.length).toBeGreaterThan(0);
  });

  it("MemoryPressure clearing is a cleared signal: delivered once, not observed, not counted as sent", async () => {
    const n = h.sim.get<ReturnType<typeof f.node>>("Node", undefined, "node-a")!;
    expect(n.status?.conditions?.find((c) => c.type === "MemoryPressure")?.status).toBe("True"); // from the test above
    const before = fw.stats();
    const at = new Date(Date.now() - 5_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    h.sim.apply(f.nodeMemoryPressure(n, false, { at }));
    const key = `pressure-cleared:node-a:${iso(at)}`;
    await waitFor("the cleared signal", () => fw.stats().pressureCleared > before.pressureCleared, 10_000);
    await h.drain(300);
    const signal = h.received.filter((o) => o.key === key);
    expect(signal).toHaveLength(1);
    expect(signal[0]).toMatchObject({ kind: "NodeMemoryPressure", node: "node-a", pressure: { status: "False" }, source: "node-condition" });
    const after = fw.stats();
    expect(after.pressureCleared).toBe(before.pressureCleared + 1);
    expect(after.observed.NodeMemoryPressure).toBe(before.observed.NodeMemoryPressure);
    expect(after.sent).toBe(before.sent);
    expect(observed.some((o) => o.key === key) || sent.some((o) => o.key === key)).toBe(false);
  });

  it("look-alikes are not reported as memory incidents", async () => {
    const before = h.received.length + observed.length;
    const p = f.pod("shop", "lookalike", { nodeName: "node-a", containers: [{ name: "c" }] });
    const q = f.pod("shop", "storage", { nodeName: "node-a", containers: [{ name: "c" }] });
    const r = f.pod("shop", "pids", { nodeName: "node-a", containers: [{ name: "c" }] });
    const s = f.pod("shop", "shutdown", { nodeName: "node-a", containers: [{ name: "c" }] });
    for (const x of [p, q, r, s]) h.sim.apply(x);
    h.sim.apply(f.podLivenessKilled(p, "c"));
    for (const e of f.livenessEvents(p, "c")) h.sim.apply(e);
    h.sim.apply(f.podEvicted(q, { resource: "ephemeral-storage" }));
    h.sim.apply(f.evictionEvent(q, { resource: "ephemeral-storage" }));
    h.sim.apply(f.podEvicted(r, { resource: "pids" }));
    h.sim.apply(f.podNodeShutdown(s));
    h.sim.apply(f.evictionThresholdMetEvent("node-a", { resource: "ephemeral-storage" }));
    // A real OOM applied last: once it is through, everything before it has been processed.
    const marker = f.pod("shop", "marker", { nodeName: "node-a", containers: [{ name: "m" }] });
    h.sim.apply(marker);
    h.sim.apply(f.podOomKilled(marker, "m"));
    h.sim.apply(f.systemOOMEvent("node-a", { process: "marker", pid: 31337 })); // same for the events watch
    await waitFor("pod marker", () => sent.some((o) => o.pod?.uid === marker.metadata?.uid), 10_000);
    await waitFor("event marker", () => sent.some((o) => o.nodeOOM?.pid === 31337), 10_000);
    await h.drain(300);
    const uids = new Set([p, q, r, s].map((x) => x.metadata?.uid));
    expect([...h.received, ...observed].filter((o) => uids.has(o.pod?.uid ?? ""))).toEqual([]);
    expect(h.received.length + observed.length).toBeGreaterThan(before);
    expect(observed.filter((o) => o.source === "event:EvictionThresholdMet" && o.message?.includes("ephemeral"))).toEqual([]);
  });
});
