/**
 * Evidence at event time: pod and node snapshots (shared/schema/occurrence.ts)
 * built from informer-cache objects. Pure: lookups that need the API (owners,
 * namespace, metrics, logs) are done by the caller (forwarder/evidence.ts at event
 * time, analyze's live reads later) and passed in.
 */
import type { V1Container, V1Node, V1Pod } from "@kubernetes/client-node";
import { parseBytes, parseQuantity } from "../quantity.ts";
import type { ContainerType, NodeSnapshot, OwnerRef, PodSnapshot, Resources } from "../schema/occurrence.ts";
import { containerTypes } from "./containers.ts";
import type { MemoryUsage } from "./metrics.ts";
import { toIso } from "./time.ts";
import { memorySettings } from "./memory-settings.ts";

type PodSnapshotInput = Omit<PodSnapshot, "containers"> & { containers: PodSnapshot["containers"] };

export interface PodContext {
  workload: OwnerRef;
  owner?: OwnerRef;
  /** Labels and annotations of the pod's namespace (only `oomwatch.io/*` are kept). */
  namespaceMeta?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  logTail?: string[];
}

/** The metrics-API numbers a node snapshot shows; none when the metrics API did not answer. */
export type NodeMetricsInput = Partial<Pick<MemoryUsage, "nodeMemory" | "podMemory">>;

const MAX_VALUE = 256;
const TOP_PODS = 10;
const NODE_LABELS = [
  "node.kubernetes.io/instance-type",
  "beta.kubernetes.io/instance-type",
  "topology.kubernetes.io/zone",
  "topology.kubernetes.io/region",
  "kubernetes.io/arch",
  "kubernetes.io/os",
  "karpenter.sh/nodepool",
  "karpenter.sh/capacity-type",
  "eks.amazonaws.com/nodegroup",
  "eks.amazonaws.com/capacityType",
  "cloud.google.com/gke-nodepool",
  "kubernetes.azure.com/agentpool",
];

export function resources(list: Record<string, string> | undefined): Resources {
  const out: Resources = {};
  const memory = parseBytes(list?.memory);
  const cpu = parseQuantity(list?.cpu);
  if (memory !== undefined) out.memory = memory;
  if (cpu !== undefined) out.cpu = cpu;
  return out;
}

function pick(source: Record<string, string> | undefined, keep: (k: string) => boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(source ?? {})) if (keep(k)) out[k] = v.slice(0, MAX_VALUE);
  return out;
}

/** Routing keys (`oomwatch.io/*`): the only annotations a snapshot keeps. */
export const isRoutingKey = (k: string) => k.startsWith("oomwatch.io/");
/** The pod labels a snapshot keeps (the forwarder's cache projection keeps the same, and no more). */
export const isPodLabel = (k: string) => k === "app" || k === "team" || k.startsWith("app.kubernetes.io/") || isRoutingKey(k);

function containerSnapshot(pod: V1Pod, c: V1Container, type: ContainerType): PodSnapshot["containers"][number] {
  const statuses = [
    ...(pod.status?.containerStatuses ?? []),
    ...(pod.status?.initContainerStatuses ?? []),
    ...(pod.status?.ephemeralContainerStatuses ?? []),
  ];
  const status = statuses.find((s) => s.name === c.name);
  const term = status?.state?.terminated ?? status?.lastState?.terminated;
  return {
    name: c.name,
    type,
    image: c.image,
    requests: resources(c.resources?.requests),
    limits: resources(c.resources?.limits),
    restartCount: status?.restartCount,
    memorySettings: memorySettings(c),
    lastTermination: term
      ? { reason: term.reason, exitCode: term.exitCode, finishedAt: toIso(term.finishedAt) }
      : undefined,
  };
}

/** Direct controller of the pod (e.g. its ReplicaSet). */
export function directOwner(obj: { metadata?: { ownerReferences?: { kind: string; name: string; controller?: boolean }[] } }): OwnerRef | undefined {
  const refs = obj.metadata?.ownerReferences ?? [];
  const ref = refs.find((r) => r.controller) ?? refs[0];
  return ref ? { kind: ref.kind, name: ref.name } : undefined;
}

export function podSnapshot(pod: V1Pod, ctx: PodContext): PodSnapshotInput {
  const types = containerTypes(pod);
  const specs: V1Container[] = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  const containers = specs.map((c) => containerSnapshot(pod, c, types.get(c.name) ?? "regular"));
  for (const e of pod.spec?.ephemeralContainers ?? []) containers.push(containerSnapshot(pod, e as V1Container, "ephemeral"));
  const nsMeta = ctx.namespaceMeta;
  return {
    name: pod.metadata?.name ?? "",
    namespace: pod.metadata?.namespace ?? "",
    uid: pod.metadata?.uid ?? "",
    nodeName: pod.spec?.nodeName,
    phase: pod.status?.phase,
    reason: pod.status?.reason,
    qosClass: pod.status?.qosClass as PodSnapshot["qosClass"],
    priorityClassName: pod.spec?.priorityClassName,
    priority: pod.spec?.priority,
    owner: ctx.owner,
    workload: ctx.workload,
    labels: pick(pod.metadata?.labels, isPodLabel),
    annotations: pick(pod.metadata?.annotations, isRoutingKey),
    namespaceAnnotations: { ...pick(nsMeta?.labels, isRoutingKey), ...pick(nsMeta?.annotations, isRoutingKey) },
    containers,
    ...(ctx.logTail?.length ? { logTail: ctx.logTail } : {}),
  };
}

/** Requests/limits of a running pod: regular containers plus restartable (sidecar) init containers. */
function podTotals(pod: V1Pod): { requests: Resources; limits: Resources } {
  const types = containerTypes(pod);
  const running = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].filter(
    (c) => types.get(c.name) !== "init",
  );
  const sum = (pickList: (c: V1Container) => Record<string, string> | undefined): Resources => {
    const total: Resources = {};
    for (const c of running) {
      const r = resources(pickList(c));
      if (r.memory !== undefined) total.memory = (total.memory ?? 0) + r.memory;
      if (r.cpu !== undefined) total.cpu = (total.cpu ?? 0) + r.cpu;
    }
    return total;
  };
  return { requests: sum((c) => c.resources?.requests), limits: sum((c) => c.resources?.limits) };
}

function addTo(total: Resources, r: Resources): void {
  if (r.memory !== undefined) total.memory = (total.memory ?? 0) + r.memory;
  if (r.cpu !== undefined) total.cpu = (total.cpu ?? 0) + r.cpu;
}

const isActive = (p: V1Pod) => p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed";

export function nodeSnapshot(node: V1Node, podsOnNode: V1Pod[], metrics: NodeMetricsInput = {}): NodeSnapshot {
  const active = podsOnNode.filter(isActive);
  const podRequests: Resources = {};
  const podLimits: Resources = {};
  const usages = active.map((p) => {
    const totals = podTotals(p);
    addTo(podRequests, totals.requests);
    addTo(podLimits, totals.limits);
    const usage = metrics.podMemory?.get(`${p.metadata?.namespace}/${p.metadata?.name}`);
    return {
      namespace: p.metadata?.namespace ?? "",
      name: p.metadata?.name ?? "",
      qosClass: p.status?.qosClass,
      priority: p.spec?.priority,
      requests: totals.requests,
      limits: totals.limits,
      ...(usage !== undefined ? { usage: { memory: usage } } : {}),
    };
  });
  const weight = (u: (typeof usages)[number]) => u.usage?.memory ?? u.requests.memory ?? 0;
  usages.sort((a, b) => weight(b) - weight(a));
  return {
    name: node.metadata?.name ?? "",
    capacity: resources(node.status?.capacity),
    allocatable: resources(node.status?.allocatable),
    conditions: (node.status?.conditions ?? []).map((c) => ({
      type: c.type,
      status: c.status,
      reason: c.reason,
      lastTransitionTime: toIso(c.lastTransitionTime),
    })),
    taints: (node.spec?.taints ?? []).map((t) => ({ key: t.key, effect: t.effect, value: t.value })),
    labels: pick(node.metadata?.labels, (k) => NODE_LABELS.includes(k)),
    podCount: active.length,
    podRequests,
    podLimits,
    ...(metrics.nodeMemory !== undefined ? { usage: { memory: metrics.nodeMemory } } : {}),
    topPods: usages.slice(0, TOP_PODS),
  };
}
