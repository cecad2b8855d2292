/**
 * Everything classification, diagnosis and recommendation look at, gathered by
 * analyze from the incident's occurrences, DynamoDB counters and (live or
 * event-time) snapshots. Pure data, so the domain rules are testable without I/O.
 */
import type { ContainerSnapshot, IncidentKind, NodeSnapshot, Occurrence, PodSnapshot } from "../schema/occurrence.ts";
import type { Victim } from "../schema/incident.ts";
import type { EscalationPolicy } from "./policy.ts";
import type { ShapeDiagnosis } from "../memory/shape.ts";
import type { MemoryTrace } from "../memory/trace.ts";

/** One eviction grouped into a node-memory incident (what escalation needs to know about it). */
export interface EvictedPod {
  namespace: string;
  pod: string;
  qosClass?: string;
  priorityClassName?: string;
}

export interface AnalysisContext {
  kind: IncidentKind;
  /** The occurrence that triggered this analysis (the newest one known). */
  occurrence: Occurrence;
  pod?: PodSnapshot;
  node?: NodeSnapshot;
  /** The container the incident is about (ContainerOOM) or the evicted pod's largest offender. */
  container?: ContainerSnapshot;
  /** Working set of that container (metrics API, or the kubelet's eviction message). */
  usageBytes?: number;
  /** Occurrences grouped into the incident. */
  occurrences: number;
  /** ContainerOOM: OOMs of this workload's container within policy.frequentOom.windowMinutes. */
  oomsInWindow?: number;
  /** Memory evictions in the whole cluster within policy.massEviction.windowMinutes. */
  clusterEvictionsInWindow?: number;
  /**
   * The count stopped at clusterEvictionsInWindow (there may be more): counting past the
   * mass-eviction threshold would read every eviction of a storm, once per analysis.
   */
  clusterEvictionsCapped?: boolean;
  /** Node-memory incidents: the evictions in it. */
  evictedPods?: EvictedPod[];
  /** ContainerOOM: a SystemOOM/OOMKilling on the same node within the correlation window. */
  nodeOom?: { incidentId: string; node?: string; process?: string; at: string };
  /** NodeOOM: containers OOM-killed on the node within the correlation window. */
  victims?: Victim[];
  /** The occurrence's memory trace, with the container's limit/request filled in when it lacked them. */
  trace?: MemoryTrace;
  /** The trace's shape (shared/memory/shape.ts), for pod-level kinds with a trace. */
  shape?: ShapeDiagnosis;
  policy: EscalationPolicy;
}

/** The cluster's eviction count as the texts show it: "11+" when counting stopped there. */
export function clusterEvictionsText(ctx: Pick<AnalysisContext, "clusterEvictionsInWindow" | "clusterEvictionsCapped">): string {
  return `${ctx.clusterEvictionsInWindow ?? 0}${ctx.clusterEvictionsCapped ? "+" : ""}`;
}
