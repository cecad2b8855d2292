/**
 * Plays a scenario against the simulator: builds the initial cluster, then runs
 * each step at its time (divided by `speed`). Object timestamps follow the
 * scenario clock (start + step time, independent of speed), so repeated OOMs of
 * one container get distinct `finishedAt` values even at high speed, exactly as
 * they would at speed 1.
 */
import { setTimeout as sleep } from "node:timers/promises";
import * as f from "./factories.ts";
import { copyName, matchNames, type Scenario } from "./scenario.ts";
import type { Action, ActionName, ScenarioContainer, ScenarioDeployment } from "./scenario-schema.ts";
import type { K8sSimulator } from "./server.ts";
import type { Job, KubeObject, Node, Pod } from "./types.ts";

export interface StepInfo {
  /** Index of the step in the file, and which repetition this is (0-based). */
  index: number;
  repetition: number;
  /** Scenario time of the step in ms. */
  at: number;
  action: ActionName;
  /** What was done, e.g. `oomKill payments/ledger-api-7c9d8b6f4d-x2k9q/app`. */
  description: string;
}

export interface PlayOptions {
  /** Time multiplier (default 1): 10 plays a 50 s scenario in 5 s. */
  speed?: number;
  signal?: AbortSignal;
  onStep?: (info: StepInfo) => void;
  /** Scenario clock origin (default: now). */
  startTime?: Date;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

function toContainerSpec(c: ScenarioContainer): f.ContainerSpec {
  const { usage: _usage, ...spec } = c;
  return spec;
}

interface DeploymentState {
  objects: f.DeploymentObjects;
  nodes: string[];
  /** Current pod name per replica slot; an evicted pod's slot moves to its replacement. */
  slots: string[];
  nextIndex: number;
  spec: ScenarioDeployment;
}

interface CronJobState {
  objects: f.CronJobObjects;
  node: string;
  latestPod?: string;
  lastMinute: number;
}

const QOS_RANK: Record<string, number> = { BestEffort: 0, Burstable: 1, Guaranteed: 2 };

/** Scenario state on top of the simulator (which stays the source of truth for objects). */
class ScenarioRuntime {
  private readonly nodes: string[];
  private readonly deployments = new Map<string, DeploymentState>();
  private readonly cronJobs = new Map<string, CronJobState>();
  private clockMs = 0;

  constructor(
    private readonly sim: K8sSimulator,
    private readonly scenario: Scenario,
    private readonly origin: number,
  ) {
    this.nodes = scenario.nodes.map((n) => n.name);
  }

  private now(): string {
    return iso(this.origin + this.clockMs);
  }

  private apply(obj: KubeObject | { apiVersion?: string; kind?: string }): void {
    this.sim.apply(obj as KubeObject);
  }

  // ------------------------------------------------------------ setup

  setup(): void {
    const at = iso(this.origin - 10 * 60_000);
    const s = this.scenario;
    const declared = new Set(s.namespaces.map((n) => n.name));
    for (const ns of s.namespaces) this.apply(f.namespace(ns.name, { ...ns, at }));
    for (const ns of new Set([...s.deployments, ...s.cronJobs, ...s.pods].map((w) => w.namespace))) {
      if (!declared.has(ns)) this.apply(f.namespace(ns, { at }));
    }
    for (const n of s.nodes) {
      const { usage, ...opts } = n;
      this.apply(f.node(n.name, { ...opts, at }));
      if (usage) this.sim.setMetrics({ node: n.name, usage });
    }
    for (const d of s.deployments) {
      const names = d.copies ? Array.from({ length: d.copies }, (_, i) => copyName(d.name, i + 1)) : [d.name];
      for (const name of names) this.createDeployment({ ...d, name }, at);
    }
    for (const c of s.cronJobs) {
      const objects = f.cronJob(c.namespace, c.name, { ...c, containers: c.containers.map(toContainerSpec), initContainers: c.initContainers?.map(toContainerSpec), at });
      const state: CronJobState = { objects, node: c.node ?? this.nodes[0] ?? "", lastMinute: 0 };
      this.cronJobs.set(`${c.namespace}/${c.name}`, state);
      this.apply(objects.cronJob);
      this.runCronJob(state, state.node, false, at);
    }
    for (const p of s.pods) {
      const pod = f.pod(p.namespace, p.name, {
        ...p,
        containers: p.containers.map(toContainerSpec),
        initContainers: p.initContainers?.map(toContainerSpec),
        ...(p.node ? { nodeName: p.node } : {}),
        at,
      });
      this.apply(pod);
      this.podMetrics(pod, p.containers);
    }
    for (const o of s.objects) this.apply(o);
  }

  private createDeployment(d: ScenarioDeployment, at: string): void {
    const objects = f.deployment(d.namespace, d.name, { ...d, containers: d.containers.map(toContainerSpec), initContainers: d.initContainers?.map(toContainerSpec), at });
    const state: DeploymentState = { objects, nodes: d.nodes ?? this.nodes, slots: [], nextIndex: 0, spec: d };
    this.deployments.set(`${d.namespace}/${d.name}`, state);
    this.apply(objects.deployment);
    this.apply(objects.replicaSet);
    for (let i = 0; i < d.replicas; i++) state.slots.push(this.newReplica(state, undefined, at));
  }

  /** Creates the next pod of a Deployment on the next node round-robin (avoiding `avoid`). */
  private newReplica(state: DeploymentState, avoid: string | undefined, at: string): string {
    const candidates = state.nodes.filter((n) => n !== avoid);
    const pool = candidates.length > 0 ? candidates : state.nodes;
    const nodeName = pool[state.nextIndex % pool.length];
    const pod = state.objects.pod(state.nextIndex++, { ...(nodeName ? { nodeName } : {}), at });
    this.apply(pod);
    this.podMetrics(pod, state.spec.containers);
    return pod.metadata?.name ?? "";
  }

  private podMetrics(pod: Pod, containers: ScenarioContainer[]): void {
    const usage = Object.fromEntries(containers.filter((c) => c.usage).map((c) => [c.name, c.usage ?? {}]));
    if (Object.keys(usage).length > 0) this.sim.setMetrics({ namespace: pod.metadata?.namespace ?? "", pod: pod.metadata?.name ?? "", containers: usage });
  }

  private runCronJob(state: CronJobState, nodeName: string, complete: boolean, at = this.now()): void {
    // The controller names Jobs by scheduled minute: keep runs in distinct minutes.
    const minute = Math.max(Math.floor(Date.parse(at) / 60_000), state.lastMinute + 1);
    state.lastMinute = minute;
    const job: Job = state.objects.job(iso(minute * 60_000));
    this.apply(job);
    let pod = state.objects.pod(job, { nodeName, at });
    if (complete) {
      const name = pod.spec?.containers[0]?.name ?? "";
      pod = f.podTerminated(pod, name, { reason: "Completed", exitCode: 0, finishedAt: at, inLastState: false });
      pod.status = { ...pod.status, phase: "Succeeded" };
      this.apply({ ...job, status: { succeeded: 1, startTime: job.status?.startTime, completionTime: at } });
    }
    this.apply(pod);
    state.latestPod = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
  }

  // ------------------------------------------------------------ references

  private pod(ref: string): Pod {
    const [ns = "", name = ""] = ref.split("/");
    const pod = this.sim.get<Pod>("Pod", ns, name);
    if (!pod) throw new Error(`scenario ${this.scenario.file}: pod ${ref} does not exist`);
    return pod;
  }

  /** Pods a reference resolves to: exact pod names, Deployment slots, CronJob latest pods. */
  private resolvePods(ref: string, replica = 0): Pod[] {
    const pods = this.sim.list<Pod>("Pod").map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`);
    const names = [...this.deployments.keys(), ...this.cronJobs.keys(), ...pods];
    return [...new Set(matchNames(ref, names))].flatMap((name) => {
      const d = this.deployments.get(name);
      if (d) {
        const slot = d.slots[replica];
        return slot ? [this.pod(`${d.spec.namespace}/${slot}`)] : [];
      }
      const c = this.cronJobs.get(name);
      if (c) return c.latestPod ? [this.pod(c.latestPod)] : [];
      return [this.pod(name)];
    });
  }

  private resolveNodes(pattern: string): Node[] {
    return matchNames(pattern, this.nodes).map((n) => {
      const node = this.sim.get<Node>("Node", undefined, n);
      if (!node) throw new Error(`scenario ${this.scenario.file}: node ${n} does not exist`);
      return node;
    });
  }

  private containerOf(pod: Pod, name: string | undefined, kind: "regular" | "init" | "ephemeral" = "regular"): string {
    if (name) return name;
    const list = kind === "init" ? pod.spec?.initContainers : kind === "ephemeral" ? pod.spec?.ephemeralContainers : pod.spec?.containers;
    return list?.[0]?.name ?? (kind === "ephemeral" ? "debugger" : "app");
  }

  private deploymentOf(pod: Pod): DeploymentState | undefined {
    for (const d of this.deployments.values()) {
      if (d.spec.namespace === pod.metadata?.namespace && d.slots.includes(pod.metadata?.name ?? "")) return d;
    }
    return undefined;
  }

  private podName(pod: Pod): string {
    return `${pod.metadata?.namespace}/${pod.metadata?.name}`;
  }

  // ------------------------------------------------------------ actions

  /** Runs one action at scenario time `atMs`; returns a description of what it did. */
  run(action: Action, atMs: number): string {
    this.clockMs = atMs;
    const at = this.now();
    switch (action.type) {
      case "oomKill": {
        const a = action.args;
        const kind = a.ephemeral ? "ephemeral" : a.init ? "init" : "regular";
        return this.each(this.resolvePods(a.pod, a.replica), (pod) => {
          const container = this.containerOf(pod, a.container, kind);
          let base = pod;
          if (a.ephemeral && !(pod.status?.ephemeralContainerStatuses ?? []).some((s) => s.name === container)) {
            base = f.podWithEphemeralContainer(pod, { name: container, image: "busybox:1.36", targetContainerName: pod.spec?.containers[0]?.name }, { at });
          }
          const opts = { finishedAt: at, init: !!a.init, ephemeral: !!a.ephemeral, ...(a.exitCode !== undefined ? { exitCode: a.exitCode } : {}) };
          // The kubelet first reports the terminated state, then the restarted container with it in lastState.
          const terminated = f.podOomKilled(base, container, { ...opts, inLastState: false });
          const neverRestarts = pod.spec?.restartPolicy === "Never" || !!a.ephemeral;
          if (neverRestarts && !a.init && !a.ephemeral) terminated.status = { ...terminated.status, phase: "Failed" };
          this.apply(terminated);
          if (a.restart && !neverRestarts) this.apply(f.podOomKilled(base, container, { ...opts, inLastState: true, crashLoop: a.crashLoop }));
          if (a.log) this.sim.setPodLog(pod.metadata?.namespace ?? "", pod.metadata?.name ?? "", container, a.log, true);
          return `${this.podName(pod)}/${container}`;
        });
      }
      case "restart": {
        const a = action.args;
        return this.each(this.resolvePods(a.pod, a.replica), (pod) => {
          const container = this.containerOf(pod, a.container);
          const reason = a.reason ?? (a.exitCode === 0 ? "Completed" : "Error");
          this.apply(f.podTerminated(pod, container, { reason, exitCode: a.exitCode, finishedAt: at }));
          return `${this.podName(pod)}/${container} exit ${a.exitCode} ${reason}`;
        });
      }
      case "livenessKill": {
        const a = action.args;
        return this.each(this.resolvePods(a.pod, a.replica), (pod) => {
          const container = this.containerOf(pod, a.container);
          for (const e of f.livenessEvents(pod, container, { at })) this.apply(e);
          this.apply(f.podLivenessKilled(pod, container, { finishedAt: at }));
          return `${this.podName(pod)}/${container}`;
        });
      }
      case "evict":
        return this.evict(action.args, at);
      case "memoryPressure": {
        const a = action.args;
        return this.each(this.resolveNodes(a.node), (node) => {
          const name = node.metadata?.name ?? "";
          if (a.on && a.events) this.apply(f.evictionThresholdMetEvent(name, { at }));
          this.apply(f.nodeMemoryPressure(node, a.on, { at }));
          if (a.events) this.apply(a.on ? f.nodeHasInsufficientMemoryEvent(name, { at }) : f.nodeHasSufficientMemoryEvent(name, { at }));
          return `${name} ${a.on ? "on" : "off"}`;
        });
      }
      case "systemOOM": {
        const a = action.args;
        return this.each(this.resolveNodes(a.node), (node) => {
          const name = node.metadata?.name ?? "";
          this.apply(f.systemOOMEvent(name, { process: a.process, pid: a.pid, at }));
          if (a.npd) this.apply(f.oomKillingEvent(name, { process: a.process, pid: a.pid, at }));
          let victim = "";
          if (a.victim) {
            victim = ` killed ${this.run({ type: "oomKill", args: { ...a.victim, restart: true, crashLoop: false } }, atMs).replace(/^oomKill /, "")}`;
          }
          return `${name} ${a.process} pid ${a.pid}${victim}`;
        });
      }
      case "shutdown": {
        const a = action.args;
        return this.each(this.resolvePods(a.pod, a.replica), (pod) => {
          this.apply(f.podNodeShutdown(pod, { at }));
          return this.podName(pod);
        });
      }
      case "scale": {
        const state = this.deployments.get(action.args.deployment);
        if (!state) throw new Error(`scenario ${this.scenario.file}: unknown deployment ${action.args.deployment}`);
        const replicas = action.args.replicas;
        while (state.slots.length < replicas) state.slots.push(this.newReplica(state, undefined, at));
        for (const name of state.slots.splice(replicas)) this.sim.remove("v1", "Pod", state.spec.namespace, name);
        const { deployment, replicaSet } = state.objects;
        const status = { replicas, readyReplicas: replicas, availableReplicas: replicas };
        this.apply({ ...deployment, spec: { ...deployment.spec, replicas }, status: { ...deployment.status, ...status, updatedReplicas: replicas } });
        this.apply({ ...replicaSet, spec: { ...replicaSet.spec, replicas }, status: { ...replicaSet.status, ...status } });
        return `${action.args.deployment} to ${replicas}`;
      }
      case "cronRun": {
        const state = this.cronJobs.get(action.args.cronJob);
        if (!state) throw new Error(`scenario ${this.scenario.file}: unknown cron job ${action.args.cronJob}`);
        this.runCronJob(state, action.args.node ?? state.node, action.args.complete);
        return `${action.args.cronJob} -> ${state.latestPod}`;
      }
      case "log": {
        const a = action.args;
        return this.each(this.resolvePods(a.pod, a.replica), (pod) => {
          const container = this.containerOf(pod, a.container);
          this.sim.setPodLog(pod.metadata?.namespace ?? "", pod.metadata?.name ?? "", container, a.lines, a.previous);
          return `${this.podName(pod)}/${container}`;
        });
      }
      case "metrics": {
        const a = action.args;
        const usage = { memory: a.memory, ...(a.cpu ? { cpu: a.cpu } : {}) };
        if (a.node) {
          return this.each(this.resolveNodes(a.node), (node) => {
            this.sim.setMetrics({ node: node.metadata?.name ?? "", usage });
            return node.metadata?.name ?? "";
          });
        }
        return this.each(this.resolvePods(a.pod ?? "", a.replica), (pod) => {
          const container = this.containerOf(pod, a.container);
          this.sim.setMetrics({ namespace: pod.metadata?.namespace ?? "", pod: pod.metadata?.name ?? "", containers: { [container]: usage } });
          return `${this.podName(pod)}/${container}`;
        });
      }
      case "apply": {
        const objects = [action.args].flat();
        for (const o of objects) this.apply(o);
        return objects.map((o) => `${o.kind} ${o.metadata.name}`).join(", ");
      }
      case "delete": {
        const a = action.args;
        this.sim.remove(a.apiVersion ?? "", a.kind, a.namespace, a.name);
        return `${a.kind} ${a.namespace ? `${a.namespace}/` : ""}${a.name}`;
      }
    }
  }

  private each<T>(targets: T[], fn: (t: T) => string): string {
    return targets.map(fn).join("; ");
  }

  private evict(a: Extract<Action, { type: "evict" }>["args"], at: string): string {
    let targets: Pod[];
    if (a.pod) targets = this.resolvePods(a.pod, a.replica);
    else {
      const nodes = new Set(this.resolveNodes(a.node ?? "").map((n) => n.metadata?.name));
      const running = this.sim.list<Pod>("Pod").filter((p) => nodes.has(p.spec?.nodeName) && p.status?.phase === "Running");
      // The eviction manager's order: QoS class (BestEffort first), then priority, lowest first.
      running.sort(
        (x, y) =>
          (QOS_RANK[x.status?.qosClass ?? ""] ?? 1) - (QOS_RANK[y.status?.qosClass ?? ""] ?? 1) ||
          (x.spec?.priority ?? 0) - (y.spec?.priority ?? 0) ||
          (x.metadata?.name ?? "").localeCompare(y.metadata?.name ?? ""),
      );
      targets = [...nodes].flatMap((n) => running.filter((p) => p.spec?.nodeName === n).slice(0, a.count ?? 1));
    }
    return this.each(targets, (pod) => {
      const container = this.containerOf(pod, undefined);
      const request = pod.spec?.containers[0]?.resources?.requests?.[a.resource];
      const usage = a.usage ?? (a.resource === "memory" ? "1200Mi" : a.resource === "pids" ? "4096" : "2Gi");
      const threshold = a.threshold ?? (a.resource === "memory" ? "100Mi" : a.resource === "pids" ? "4k" : "10%");
      const available = a.available ?? (a.resource === "memory" ? "91924Ki" : a.resource === "pids" ? "3k" : "3284Mi");
      const opts: f.EvictionOptions = {
        resource: a.resource,
        format: a.format,
        threshold,
        available,
        containers: [{ name: container, usage, ...(request ? { request } : {}) }],
        at,
      };
      this.apply(f.podEvicted(pod, opts));
      if (a.event) this.apply(f.evictionEvent(pod, opts));
      const owner = this.deploymentOf(pod);
      if (owner && a.replace) {
        const slot = owner.slots.indexOf(pod.metadata?.name ?? "");
        owner.slots[slot] = this.newReplica(owner, pod.spec?.nodeName, at);
      }
      return this.podName(pod);
    });
  }
}

interface TimedAction {
  index: number;
  repetition: number;
  at: number;
  action: Action;
}

function schedule(scenario: Scenario): TimedAction[] {
  const timed = scenario.steps.flatMap((step, index) =>
    Array.from({ length: step.repeat }, (_, repetition) => ({ index, repetition, at: step.at + repetition * (step.every ?? 0), action: step.action })),
  );
  // Stable: same-time steps keep file order.
  return timed.sort((a, b) => a.at - b.at || a.index - b.index || a.repetition - b.repetition);
}

/** Builds the initial cluster, then applies the steps at their times. Resolves when the last step ran. */
export async function playScenario(sim: K8sSimulator, scenario: Scenario, opts: PlayOptions = {}): Promise<void> {
  const speed = opts.speed ?? 1;
  if (!(speed > 0)) throw new Error(`playScenario: speed must be > 0, got ${speed}`);
  const origin = (opts.startTime ?? new Date()).getTime();
  const runtime = new ScenarioRuntime(sim, scenario, origin);
  opts.signal?.throwIfAborted();
  runtime.setup();
  const started = Date.now();
  for (const step of schedule(scenario)) {
    const wait = started + step.at / speed - Date.now();
    if (wait > 0) await sleep(wait, undefined, opts.signal ? { signal: opts.signal } : {});
    opts.signal?.throwIfAborted();
    const description = `${step.action.type} ${runtime.run(step.action, step.at)}`;
    opts.onStep?.({ index: step.index, repetition: step.repetition, at: step.at, action: step.action.type, description });
  }
  const rest = started + scenario.durationMs / speed - Date.now();
  if (rest > 0) await sleep(rest, undefined, opts.signal ? { signal: opts.signal } : {});
}
