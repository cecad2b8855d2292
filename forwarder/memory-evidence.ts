/**
 * The memory part of an occurrence's evidence, from the sampler's history: the affected container's
 * trace (ContainerOOM, PodEviction) or the node's trace and largest containers (NodeOOM,
 * NodeMemoryPressure). Read synchronously when the occurrence is detected, before a pod deletion
 * can drop the history it needs.
 */
import type { V1Node, V1Pod } from "@kubernetes/client-node";
import { epochOf } from "../shared/k8s/metrics.ts";
import { resources } from "../shared/k8s/snapshot.ts";
import type { MemoryTrace, TopContainer } from "../shared/schema/memory.ts";
import type { DetectedOccurrence } from "./detect/index.ts";
import { containerKey, type MemoryHistory, nodeKey } from "./memory-history.ts";

export interface MemoryEvidenceSources {
  history: MemoryHistory;
  pod(uid: string): V1Pod | undefined;
  node(name: string): V1Node | undefined;
  topContainers(node: string): TopContainer[];
}

export interface MemoryEvidence {
  memoryTrace?: MemoryTrace;
  topContainers?: TopContainer[];
}

/** Allocatable memory of a node in bytes: the node rules' "limit" and the node trace's limitBytes. */
export function allocatableBytes(node: V1Node | undefined): number | undefined {
  return resources(node?.status?.allocatable as Record<string, string> | undefined).memory;
}

export function memoryEvidence(o: DetectedOccurrence, src: MemoryEvidenceSources): MemoryEvidence {
  if (o.memoryTrace) return {}; // Level 0 occurrences come with the trace their rule looked at
  const until = epochOf(o.container?.finishedAt ?? o.occurredAt);
  if ((o.kind === "ContainerOOM" || o.kind === "PodEviction") && o.pod) {
    const pod = src.pod(o.pod.uid);
    const name = o.container?.name ?? o.eviction?.containers?.[0]?.name ?? pod?.spec?.containers[0]?.name;
    if (!name) return {};
    const spec = [...(pod?.spec?.containers ?? []), ...(pod?.spec?.initContainers ?? []), ...(pod?.spec?.ephemeralContainers ?? [])].find((c) => c.name === name);
    const limits = resources(spec?.resources?.limits as Record<string, string> | undefined);
    const requests = resources(spec?.resources?.requests as Record<string, string> | undefined);
    // until = the kill: the restarted instance's samples are not part of the run-up.
    const memoryTrace = src.history.trace(containerKey(o.pod.uid, name), { limitBytes: limits.memory, requestBytes: requests.memory, until });
    return memoryTrace ? { memoryTrace } : {};
  }
  if ((o.kind === "NodeOOM" || o.kind === "NodeMemoryPressure") && o.node) {
    const memoryTrace = src.history.trace(nodeKey(o.node), { limitBytes: allocatableBytes(src.node(o.node)), until });
    const top = src.topContainers(o.node);
    return { ...(memoryTrace ? { memoryTrace } : {}), ...(top.length ? { topContainers: top } : {}) };
  }
  return {};
}
