/**
 * The resource types the simulator serves: enough of the core, apps, batch,
 * coordination, events and metrics groups for the forwarder, analyze enrichment
 * and leader election. Drives routing, discovery documents and kind lookups.
 */
export interface ResourceType {
  group: string; // "" for core
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
  /** metrics.k8s.io is list/get only. */
  readOnly?: boolean;
  shortNames?: string[];
}

export const RESOURCE_TYPES: readonly ResourceType[] = [
  { group: "", version: "v1", plural: "pods", kind: "Pod", namespaced: true, shortNames: ["po"] },
  { group: "", version: "v1", plural: "events", kind: "Event", namespaced: true, shortNames: ["ev"] },
  { group: "", version: "v1", plural: "nodes", kind: "Node", namespaced: false, shortNames: ["no"] },
  { group: "", version: "v1", plural: "namespaces", kind: "Namespace", namespaced: false, shortNames: ["ns"] },
  { group: "", version: "v1", plural: "configmaps", kind: "ConfigMap", namespaced: true, shortNames: ["cm"] },
  { group: "apps", version: "v1", plural: "replicasets", kind: "ReplicaSet", namespaced: true, shortNames: ["rs"] },
  { group: "apps", version: "v1", plural: "deployments", kind: "Deployment", namespaced: true, shortNames: ["deploy"] },
  { group: "apps", version: "v1", plural: "statefulsets", kind: "StatefulSet", namespaced: true, shortNames: ["sts"] },
  { group: "apps", version: "v1", plural: "daemonsets", kind: "DaemonSet", namespaced: true, shortNames: ["ds"] },
  { group: "batch", version: "v1", plural: "jobs", kind: "Job", namespaced: true },
  { group: "batch", version: "v1", plural: "cronjobs", kind: "CronJob", namespaced: true, shortNames: ["cj"] },
  { group: "coordination.k8s.io", version: "v1", plural: "leases", kind: "Lease", namespaced: true },
  { group: "events.k8s.io", version: "v1", plural: "events", kind: "Event", namespaced: true, shortNames: ["ev"] },
  { group: "metrics.k8s.io", version: "v1beta1", plural: "pods", kind: "PodMetrics", namespaced: true, readOnly: true },
  { group: "metrics.k8s.io", version: "v1beta1", plural: "nodes", kind: "NodeMetrics", namespaced: false, readOnly: true },
];

export function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

/** Stable id of a resource type, e.g. `apps/v1/replicasets`, `v1/pods`. */
export function typeId(type: ResourceType): string {
  return `${apiVersionOf(type)}/${type.plural}`;
}

export function findByPath(group: string, version: string, plural: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((t) => t.group === group && t.version === version && t.plural === plural);
}

/**
 * Finds a type by kind, optionally narrowed by apiVersion. A bare `Event` means the
 * core/v1 Event (what `kubectl get events` returns); plural names and short names work too.
 */
export function findByKind(kind: string, apiVersion?: string): ResourceType | undefined {
  const candidates = RESOURCE_TYPES.filter(
    (t) =>
      t.kind.toLowerCase() === kind.toLowerCase() ||
      t.plural === kind.toLowerCase() ||
      t.shortNames?.includes(kind.toLowerCase()),
  );
  if (apiVersion) return candidates.find((t) => apiVersionOf(t) === apiVersion);
  return candidates[0];
}

export function requireKind(kind: string, apiVersion?: string): ResourceType {
  const type = findByKind(kind, apiVersion);
  if (!type) throw new Error(`k8s-sim: unknown kind ${apiVersion ? `${apiVersion}/` : ""}${kind}`);
  return type;
}
