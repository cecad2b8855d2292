/** Scenario loading (positioned errors), the built-ins, and playing them at high speed. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Metrics } from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkExpect, loadScenario, parseScenario, playScenario, type StepInfo } from "../../sandbox/k8s-sim/scenario.ts";
import { startK8sSimulator, type K8sSimulator } from "../../sandbox/k8s-sim/server.ts";
import type { Event, Node, Pod } from "../../sandbox/k8s-sim/types.ts";
import { scenarioError } from "../support/scenario-error.ts";

const MINIMAL = `name: t
nodes:
  - name: node-a
deployments:
  - name: web
    namespace: shop
    containers:
      - name: app
steps:
  - at: 1s
    oomKill: { pod: shop/web }
`;

const errorOf = (text: string, file = "my.yaml") => scenarioError(text, file);

describe("loading", () => {
  it("accepts a minimal scenario and computes its duration", () => {
    const s = parseScenario(MINIMAL, "min.yaml");
    expect(s.durationMs).toBe(1000);
    expect(s.steps[0]?.action).toEqual({ type: "oomKill", args: { pod: "shop/web", restart: true, crashLoop: false } });
  });

  it("names the file, line and column of a YAML syntax error", () => {
    const e = errorOf("name: t\nnodes: [\n  - name: a\n");
    expect(e.file).toBe("my.yaml");
    expect(e.message).toMatch(/^my\.yaml:\d+:\d+: syntax error/);
  });

  it("points at an unknown key, a bad value and a missing action", () => {
    const unknown = errorOf(MINIMAL.replace("    oomKill: { pod: shop/web }", "    oomKill: { pod: shop/web, contianer: app }"));
    expect(unknown.message).toMatch(/^my\.yaml:11:31: steps\[0\]\.oomKill\.contianer: /);
    const badDuration = errorOf(MINIMAL.replace("at: 1s", "at: soon"));
    expect([badDuration.line, badDuration.column]).toEqual([10, 9]);
    expect(badDuration.message).toContain('invalid duration "soon"');
    const noAction = errorOf(MINIMAL.replace("    oomKill: { pod: shop/web }", "    note: nothing"));
    expect(noAction.line).toBe(10);
    expect(noAction.message).toContain("a step needs exactly one action");
  });

  it("rejects references to unknown nodes and pods at their position", () => {
    const badPod = errorOf(MINIMAL.replace("pod: shop/web", "pod: shop/wbe"));
    expect(badPod.message).toBe('my.yaml:11:21: steps[0].oomKill.pod: unknown pod or workload "shop/wbe"');
    const badNode = errorOf(`${MINIMAL}  - at: 2s\n    memoryPressure: { node: node-q }\n`);
    expect(badNode.message).toMatch(/^my\.yaml:13:29: steps\[1\]\.memoryPressure\.node: unknown node "node-q"/);
  });

  it("reads JSON scenarios with positions too", () => {
    const e = errorOf('{\n  "name": "j",\n  "nodes": [{ "name": 5 }]\n}', "s.json");
    expect(e.message).toMatch(/^s\.json:3:23: nodes\[0\]\.name: /);
  });

  it("loads files by path and names a missing one", () => {
    const dir = mkdtempSync(join(tmpdir(), "scenario-"));
    writeFileSync(join(dir, "mine.yaml"), MINIMAL);
    expect(loadScenario(join(dir, "mine.yaml")).name).toBe("t");
    expect(() => loadScenario(join(dir, "nope.yaml"))).toThrow(/no such file .*nope\.yaml \(built-in scenarios: demo, storm, quiet\)/);
  });

  it("checks run figures against expect", () => {
    const s = loadScenario("demo");
    const observed = { ContainerOOM: 7, PodEviction: 1, NodeOOM: 1, NodeMemoryPressure: 2, MemoryNearLimit: 1, NodeMemoryHigh: 2 };
    expect(checkExpect(s.expect, { observed, incidents: { "1": 2, "2": 2, "3": 1 }, deadLetters: { events: 0 } })).toEqual([]);
    expect(checkExpect(s.expect, { observed: { ...observed, ContainerOOM: 6, NodeMemoryPressure: 0, MemoryNearLimit: 3 }, incidents: { "1": 1, "2": 2, "3": 1 }, deadLetters: 0 })).toEqual([
      "observed ContainerOOM: expected 7, got 6",
      "observed NodeMemoryPressure: expected >= 1, got 0",
      "observed MemoryNearLimit: expected >= 1 and <= 2, got 3",
      "incidents level 1: expected 2, got 1",
    ]);
  });
});

describe("built-in scenarios", () => {
  let sim: K8sSimulator;
  beforeEach(async () => {
    sim = await startK8sSimulator();
  });
  afterEach(async () => {
    await sim.stop();
  });

  const oomKilled = (pods: Pod[]) =>
    pods.flatMap((p) => (p.status?.containerStatuses ?? []).filter((c) => c.lastState?.terminated?.reason === "OOMKilled" || c.state?.terminated?.reason === "OOMKilled"));

  it("demo: a JVM OOMs 4 times, a BestEffort cron pod is evicted under MemoryPressure, a system OOM kills a container", async () => {
    const scenario = loadScenario("demo");
    const steps: StepInfo[] = [];
    await playScenario(sim, scenario, { speed: 100, onStep: (s) => steps.push(s) });
    // Sorted by time; same-time steps in file order (the leak starts at 2 s, the spike at 29 s).
    expect(steps.map((s) => s.action)).toEqual([
      "metrics", "oomKill", "memoryPressure", "evict", "oomKill", "oomKill", "systemOOM", "oomKill",
      "metrics", "oomKill", "metrics", "memoryPressure", "oomKill", "metrics",
    ]);
    const pods = sim.list<Pod>("Pod");
    const ledger = pods.filter((p) => p.metadata?.name?.startsWith("ledger-api-"));
    const jvm = ledger.find((p) => p.status?.containerStatuses?.[0]?.restartCount === 4);
    expect(jvm?.spec?.containers[0]?.env?.find((e) => e.name === "JAVA_TOOL_OPTIONS")?.value).toContain("-Xmx1536m");
    expect(jvm?.status?.containerStatuses?.[0]?.lastState?.terminated?.reason).toBe("OOMKilled");
    const evicted = pods.filter((p) => p.status?.reason === "Evicted");
    expect(evicted.map((p) => [p.metadata?.namespace, p.status?.qosClass, p.metadata?.ownerReferences?.[0]?.kind])).toEqual([["batch", "BestEffort", "Job"]]);
    expect(evicted[0]?.spec?.nodeName).toBe("node-b");
    const events = sim.list<Event>("Event");
    expect(events.map((e) => e.reason).sort()).toEqual(["Evicted", "EvictionThresholdMet", "NodeHasInsufficientMemory", "NodeHasSufficientMemory", "SystemOOM"]);
    const victim = pods.find((p) => p.metadata?.name?.startsWith("log-shipper-"));
    expect(victim?.spec?.nodeName).toBe("node-c");
    expect(victim?.status?.containerStatuses?.[0]?.lastState?.terminated?.reason).toBe("OOMKilled");
    expect(oomKilled(pods)).toHaveLength(4); // ledger-api, fluent-bit, cart (leak), search (spike)
    const nodeB = sim.get<Node>("Node", undefined, "node-b");
    expect(nodeB?.status?.conditions?.find((c) => c.type === "MemoryPressure")?.status).toBe("False");
    // The scenario clock: 6 distinct finishedAt values even at speed 100 (4 of ledger-api, search, cart).
    expect(new Set(steps.filter((s) => s.action === "oomKill").map((s) => s.at)).size).toBe(6);
    expect(sim.get("Pod", "payments", "nope")).toBeUndefined();
    const admin = { authorization: `Bearer ${sim.kubeConfig().getCurrentUser()?.token}` };
    const log = await fetch(`${sim.url}/api/v1/namespaces/payments/pods/${jvm?.metadata?.name}/log?container=app&previous=true&tailLines=1`, { headers: admin });
    expect(await log.text()).toContain("G1 Humongous Allocation");
  });

  it("storm: 300 evictions on 5 nodes and 200 OOMs across 20 workloads", async () => {
    await playScenario(sim, loadScenario("storm"), { speed: 200 });
    const pods = sim.list<Pod>("Pod");
    const evicted = pods.filter((p) => p.status?.reason === "Evicted");
    expect(evicted).toHaveLength(300);
    expect(new Set(evicted.map((p) => p.spec?.nodeName)).size).toBe(5);
    const restarts = pods.filter((p) => p.metadata?.namespace === "shop").map((p) => p.status?.containerStatuses?.[0]?.restartCount);
    expect(restarts).toEqual(Array(20).fill(10));
    expect(sim.list<Event>("Event").filter((e) => e.reason === "Evicted")).toHaveLength(300);
  });

  it("quiet: churn and look-alikes, but nothing memory-related", async () => {
    await playScenario(sim, loadScenario("quiet"), { speed: 200 });
    const pods = sim.list<Pod>("Pod");
    expect(oomKilled(pods)).toHaveLength(0);
    const exits = pods.flatMap((p) => (p.status?.containerStatuses ?? []).map((c) => c.lastState?.terminated ?? c.state?.terminated).filter((t) => t !== undefined));
    expect(exits.map((t) => `${t?.exitCode}/${t?.reason}`).sort()).toEqual(["0/Completed", "0/Completed", "0/Completed", "1/Error", "137/Error", "137/Error", "137/Error"]);
    const evicted = pods.filter((p) => p.status?.reason === "Evicted");
    expect(evicted.map((p) => p.status?.message)).toEqual([expect.stringMatching(/^The node was low on resource: ephemeral-storage\./)]);
    expect(sim.list<Event>("Event").some((e) => /SystemOOM|OOMKilling|EvictionThresholdMet|InsufficientMemory/.test(e.reason ?? ""))).toBe(false);
    expect(sim.list<Node>("Node").every((n) => n.status?.conditions?.find((c) => c.type === "MemoryPressure")?.status === "False")).toBe(true);
    expect(pods.filter((p) => p.metadata?.name?.startsWith("storefront-") && p.status?.phase === "Running")).toHaveLength(3);
  });

  it("stops when aborted", async () => {
    const controller = new AbortController();
    const played = playScenario(sim, loadScenario("demo"), { speed: 1, signal: controller.signal });
    controller.abort();
    await expect(played).rejects.toThrow(/abort/i);
  });
});

describe("memory over time", () => {
  let sim: K8sSimulator;
  beforeEach(async () => {
    sim = await startK8sSimulator();
  });
  afterEach(async () => {
    await sim.stop();
  });

  const RAMP = `name: ramp
duration: 10s
nodes:
  - name: node-a
deployments:
  - name: web
    namespace: shop
    containers:
      - name: app
        limits: { memory: 512Mi }
        usage: { memory: 100Mi }
      - name: sidecar
        usage: { memory: 30Mi }
steps:
  - at: 10s
    metrics: { pod: shop/web, container: app, memory: 300Mi, over: 20s }
`;

  it("ramps linearly on the scenario clock, stamps metrics with it, and leaves other containers alone", async () => {
    const origin = Date.parse("2026-03-01T12:00:00Z");
    // 10 s of scenario in about 0.1 s of wall time.
    await playScenario(sim, parseScenario(RAMP, "ramp.yaml"), { speed: 100, startTime: new Date(origin) });
    const metrics = new Metrics(sim.kubeConfig());
    const live = (await metrics.getPodMetrics("shop")).items[0];
    expect(Date.parse(String(live?.timestamp))).toBeGreaterThanOrEqual(origin + 10_000);
    const at = async (s: number) => {
      sim.setMetricsClock(() => origin + s * 1000);
      const item = (await metrics.getPodMetrics("shop")).items[0];
      return { timestamp: item?.timestamp, usage: Object.fromEntries((item?.containers ?? []).map((c) => [c.name, c.usage.memory])) };
    };
    expect(await at(5)).toEqual({ timestamp: "2026-03-01T12:00:05Z", usage: { app: `${100 * 1024}Ki`, sidecar: "30Mi" } });
    expect((await at(20)).usage).toEqual({ app: `${200 * 1024}Ki`, sidecar: "30Mi" });
    expect((await at(25)).usage.app).toBe(`${250 * 1024}Ki`);
    expect(await at(45)).toEqual({ timestamp: "2026-03-01T12:00:45Z", usage: { app: `${300 * 1024}Ki`, sidecar: "30Mi" } });
  });

  it("reads a scenario policy with the real schemas, and points at a bad field", () => {
    const s = parseScenario(`${RAMP}policy:\n  metricsInterval: 5s\n  earlyWarning: { container: { warning: { percent: 80, forSeconds: 60 } } }\n  escalation: { frequentOom: { count: 2 } }\n`, "p.yaml");
    expect(s.policy?.metricsInterval).toBe(5000);
    expect(s.policy?.earlyWarning?.container.warning).toEqual({ percent: 80, forSeconds: 60 });
    expect(s.policy?.earlyWarning?.container.critical).toEqual({ percent: 95, forSeconds: 120 });
    expect(s.policy?.escalation?.frequentOom).toEqual({ count: 2, windowMinutes: 60 });
    const bad = errorOf(`${RAMP}policy:\n  earlyWarning: { container: { warning: { percent: high } } }\n`);
    expect(bad.message).toMatch(/^my\.yaml:18:\d+: policy\.earlyWarning\.container\.warning\.percent: /);
    const unknown = errorOf(`${RAMP}policy:\n  earlyWarnings: {}\n`);
    expect(unknown.message).toMatch(/^my\.yaml:18:\d+: policy.*earlyWarnings/);
    const badOver = errorOf(RAMP.replace("over: 20s", "over: slowly"));
    expect(badOver.message).toMatch(/steps\[0\]\.metrics\.over: invalid duration "slowly"/);
  });
});
