/**
 * Which incident an occurrence belongs to (docs/design.md "Grouping").
 *
 * - ContainerOOM: one group per (cluster, namespace, top-owner workload, container).
 * - NodeOOM: one group per (cluster, node).
 * - PodEviction and NodeMemoryPressure share one group per (cluster, node): evictions
 *   during a node's memory-pressure window join the node's incident whatever the
 *   arrival order, and a storm of evictions on one node is one incident.
 * Each group holds at most one open incident; a new one starts when the last
 * occurrence is older than the policy's group window.
 */
import { createHash } from "node:crypto";
import type { Occurrence } from "../schema/occurrence.ts";

export type GroupScope = "workload-container" | "node-oom" | "node-memory";

export interface GroupRef {
  key: string;
  scope: GroupScope;
}

/** Why an occurrence is not a memory incident, or undefined when it is one. */
export function notMemoryReason(o: Occurrence): string | undefined {
  if (o.kind === "PodEviction" && o.eviction && o.eviction.resource !== "memory") {
    return `eviction for ${o.eviction.resource}, not memory`;
  }
  if (o.kind === "ContainerOOM" && o.container && o.container.reason !== "OOMKilled") {
    // Exit code 137 alone is a SIGKILL (liveness probe, node-OOM victim), not a cgroup OOM.
    return `container terminated with ${o.container.reason} (exit code ${o.container.exitCode ?? "?"}), not OOMKilled`;
  }
  if (o.kind === "NodeMemoryPressure" && o.pressure && o.pressure.status !== "True") {
    return `MemoryPressure is ${o.pressure.status}: pressure ended, nothing to report`;
  }
  if ((o.kind === "ContainerOOM" || o.kind === "PodEviction") && !(o.namespace ?? o.snapshot.pod?.namespace)) {
    return "pod occurrence without a namespace";
  }
  if ((o.kind === "NodeOOM" || o.kind === "NodeMemoryPressure") && !nodeOf(o)) return "node occurrence without a node name";
  return undefined;
}

export function nodeOf(o: Occurrence): string | undefined {
  return o.node ?? o.snapshot.pod?.nodeName ?? o.snapshot.node?.name;
}

export function namespaceOf(o: Occurrence): string | undefined {
  return o.namespace ?? o.snapshot.pod?.namespace;
}

/** Top owner; a bare pod is its own workload. */
export function workloadOf(o: Occurrence): { kind: string; name: string } | undefined {
  if (o.snapshot.pod) return o.snapshot.pod.workload;
  if (o.pod) return { kind: "Pod", name: o.pod.name };
  return undefined;
}

/** `<prefix>|cluster|namespace|Kind/name|container`: container OOMs and their early warnings. */
function containerGroupKey(prefix: "oom" | "warn", o: Occurrence): string {
  const w = workloadOf(o);
  const workload = w ? `${w.kind}/${w.name}` : "unknown";
  return `${prefix}|${o.cluster}|${namespaceOf(o)}|${workload}|${o.container?.name ?? "unknown"}`;
}

/** The group of the Level 0 warnings about a container OOM's container (whose OOM may link its warning). */
export function warningGroupKeyOf(o: Occurrence): string | undefined {
  return o.kind === "ContainerOOM" ? containerGroupKey("warn", o) : undefined;
}

export function groupOf(o: Occurrence): GroupRef {
  const node = nodeOf(o) ?? "unknown-node";
  switch (o.kind) {
    case "ContainerOOM":
      return { key: containerGroupKey("oom", o), scope: "workload-container" };
    case "NodeOOM":
      return { key: `nodeoom|${o.cluster}|${node}`, scope: "node-oom" };
    case "PodEviction":
    case "NodeMemoryPressure":
      return { key: `nodemem|${o.cluster}|${node}`, scope: "node-memory" };
    // Early warnings group like their OOM counterparts, in groups of their own.
    case "MemoryNearLimit":
      return { key: containerGroupKey("warn", o), scope: "workload-container" };
    case "NodeMemoryHigh":
      return { key: `nodewarn|${o.cluster}|${node}`, scope: "node-memory" };
  }
}

/**
 * Deterministic incident id: the group plus the occurrence that opened the incident,
 * so a retry after a crash computes the same id.
 */
export function incidentIdFor(groupKey: string, openingOccurrenceKey: string): string {
  return createHash("sha256").update(`${groupKey}\n${openingOccurrenceKey}`).digest("hex").slice(0, 20);
}

/** True when `at` is still inside the group window that started with an occurrence at `lastSeen`. */
export function withinGroupWindow(lastSeen: string, at: string, windowMinutes: number): boolean {
  return Date.parse(at) - Date.parse(lastSeen) <= windowMinutes * 60_000;
}
