/**
 * What an action handler (actions.ts) may use: the simulator, the scenario clock and
 * the runtime's workload state and reference resolution (runtime.ts implements it).
 */
import type * as f from "../factories.ts";
import type { Action, ScenarioContainer, ScenarioDeployment } from "../scenario-schema.ts";
import type { K8sSimulator } from "../server.ts";
import type { KubeObject, Node, Pod } from "../types.ts";

export interface DeploymentState {
  objects: f.DeploymentObjects;
  nodes: string[];
  /** Current pod name per replica slot; an evicted pod's slot moves to its replacement. */
  slots: string[];
  nextIndex: number;
  spec: ScenarioDeployment;
}

export interface CronJobState {
  objects: f.CronJobObjects;
  node: string;
  latestPod?: string;
  lastMinute: number;
}

export function toContainerSpec(c: ScenarioContainer): f.ContainerSpec {
  const { usage: _usage, ...spec } = c;
  return spec;
}

export interface ActionContext {
  readonly sim: K8sSimulator;
  /** The scenario file, for error messages. */
  readonly file: string;
  apply(obj: KubeObject | { apiVersion?: string; kind?: string }): void;
  /** Pods a reference resolves to: exact pod names, Deployment slots, CronJob latest pods. */
  resolvePods(ref: string, replica?: number): Pod[];
  resolveNodes(pattern: string): Node[];
  /** The named container, or the pod's first one of that kind. */
  containerOf(pod: Pod, name: string | undefined, kind?: "regular" | "init" | "ephemeral"): string;
  podName(pod: Pod): string;
  deployment(name: string): DeploymentState | undefined;
  cronJob(name: string): CronJobState | undefined;
  /** The Deployment whose replica slot holds this pod. */
  deploymentOf(pod: Pod): DeploymentState | undefined;
  /** Creates the next pod of a Deployment on the next node round-robin (avoiding `avoid`). */
  newReplica(state: DeploymentState, avoid: string | undefined, at: string): string;
  runCronJob(state: CronJobState, nodeName: string, complete: boolean): void;
  /** Runs another action at scenario time `atMs` (a system OOM's victim). */
  run(action: Action, atMs: number): string;
}

/** One action kind: applies it at scenario time `at` (ISO; `atMs` from the start) and describes what it did. */
export type ActionHandler<K extends Action["type"]> = (ctx: ActionContext, args: Extract<Action, { type: K }>["args"], at: string, atMs: number) => string;

export type ActionHandlers = { [K in Action["type"]]: ActionHandler<K> };

/** Runs `fn` on each target and joins the descriptions. */
export function each<T>(targets: T[], fn: (t: T) => string): string {
  return targets.map(fn).join("; ");
}
