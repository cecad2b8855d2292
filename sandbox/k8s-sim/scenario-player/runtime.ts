/**
 * Scenario state on top of the simulator (which stays the source of truth for objects):
 * the initial cluster, each Deployment's replica slots and each CronJob's latest run,
 * and how references in steps resolve to pods and nodes. Actions run through the
 * handler table in actions.ts.
 */
import * as f from "../factories.ts";
import { copyName, matchNames } from "../scenario-names.ts";
import type { Action, Scenario, ScenarioContainer, ScenarioDeployment } from "../scenario-schema.ts";
import type { K8sSimulator } from "../server.ts";
import type { Job, KubeObject, Node, Pod } from "../types.ts";
import { ACTION_HANDLERS } from "./actions.ts";
import { type ActionContext, type ActionHandler, type CronJobState, type DeploymentState, toContainerSpec } from "./context.ts";

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

export class ScenarioRuntime implements ActionContext {
  private readonly nodes: string[];
  private readonly deployments = new Map<string, DeploymentState>();
  private readonly cronJobs = new Map<string, CronJobState>();
  private clockMs = 0;

  constructor(
    readonly sim: K8sSimulator,
    private readonly scenario: Scenario,
    private readonly origin: number,
  ) {
    this.nodes = scenario.nodes.map((n) => n.name);
  }

  get file(): string {
    return this.scenario.file;
  }

  private now(): string {
    return iso(this.origin + this.clockMs);
  }

  apply(obj: KubeObject | { apiVersion?: string; kind?: string }): void {
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

  newReplica(state: DeploymentState, avoid: string | undefined, at: string): string {
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

  runCronJob(state: CronJobState, nodeName: string, complete: boolean, at = this.now()): void {
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

  deployment(name: string): DeploymentState | undefined {
    return this.deployments.get(name);
  }

  cronJob(name: string): CronJobState | undefined {
    return this.cronJobs.get(name);
  }

  private pod(ref: string): Pod {
    const [ns = "", name = ""] = ref.split("/");
    const pod = this.sim.get<Pod>("Pod", ns, name);
    if (!pod) throw new Error(`scenario ${this.scenario.file}: pod ${ref} does not exist`);
    return pod;
  }

  resolvePods(ref: string, replica = 0): Pod[] {
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

  resolveNodes(pattern: string): Node[] {
    return matchNames(pattern, this.nodes).map((n) => {
      const node = this.sim.get<Node>("Node", undefined, n);
      if (!node) throw new Error(`scenario ${this.scenario.file}: node ${n} does not exist`);
      return node;
    });
  }

  containerOf(pod: Pod, name: string | undefined, kind: "regular" | "init" | "ephemeral" = "regular"): string {
    if (name) return name;
    const list = kind === "init" ? pod.spec?.initContainers : kind === "ephemeral" ? pod.spec?.ephemeralContainers : pod.spec?.containers;
    return list?.[0]?.name ?? (kind === "ephemeral" ? "debugger" : "app");
  }

  deploymentOf(pod: Pod): DeploymentState | undefined {
    for (const d of this.deployments.values()) {
      if (d.spec.namespace === pod.metadata?.namespace && d.slots.includes(pod.metadata?.name ?? "")) return d;
    }
    return undefined;
  }

  podName(pod: Pod): string {
    return `${pod.metadata?.namespace}/${pod.metadata?.name}`;
  }

  // ------------------------------------------------------------ actions

  /** Runs one action at scenario time `atMs`; returns a description of what it did. */
  run(action: Action, atMs: number): string {
    this.clockMs = atMs;
    // TypeScript cannot tie a union member's type to its args; ActionHandlers ties each kind to its handler.
    const handler = ACTION_HANDLERS[action.type] as ActionHandler<typeof action.type>;
    return handler(this, action.args as never, this.now(), atMs);
  }
}
