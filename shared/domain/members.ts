/**
 * The members of an incident (one per occurrence; stored by shared/storage) and
 * the incident-level numbers derived from them.
 * Ingest and analyze both derive them the same way, from the same stored members,
 * so counts are never incremented blindly and a retry cannot double-count.
 */
import type { IncidentKind, Occurrence } from "../schema/occurrence.ts";
import { utc } from "../time.ts";
import type { EvictedPod } from "./context.ts";
import type { EscalationPolicy } from "./policy.ts";

/** What analyze needs to know about each occurrence of an incident, without re-reading it. */
export interface Member {
  key: string;
  kind: IncidentKind;
  occurredAt: string;
  namespace?: string;
  pod?: string;
  container?: string;
  node?: string;
  qosClass?: string;
  priorityClassName?: string;
  /** Offending container usage from the eviction message, when given. */
  usageBytes?: number;
  process?: string;
}

export function memberOf(o: Occurrence): Member {
  const pod = o.snapshot.pod;
  const offending = o.eviction?.containers.find((c) => c.usageBytes !== undefined);
  return {
    key: o.key,
    kind: o.kind,
    occurredAt: utc(o.occurredAt),
    namespace: o.namespace ?? pod?.namespace,
    pod: o.pod?.name ?? pod?.name,
    container: o.container?.name ?? offending?.name,
    node: o.node ?? pod?.nodeName ?? o.snapshot.node?.name,
    qosClass: pod?.qosClass,
    priorityClassName: pod?.priorityClassName,
    usageBytes: offending?.usageBytes,
    process: o.nodeOOM?.process,
  };
}

export interface MemberSummary {
  kind: IncidentKind;
  occurrences: number;
  firstSeen: string;
  lastSeen: string;
  pods: string[];
  containers: string[];
  nodes: string[];
  /** ContainerOOM: members within policy.frequentOom.windowMinutes before the newest. */
  oomsInWindow: number;
  evictedPods: EvictedPod[];
}

/** Arrays in the incident record are capped so an eviction storm cannot outgrow an item. */
export const MAX_LISTED = 100;

const distinct = (values: (string | undefined)[]) => [...new Set(values.filter((v): v is string => !!v))].slice(0, MAX_LISTED);

/** Node-memory groups hold evictions and pressure: once a pod was evicted, it is an eviction incident. */
export function incidentKindOf(members: Pick<Member, "kind">[], fallback: IncidentKind): IncidentKind {
  if (members.some((m) => m.kind === "PodEviction")) return "PodEviction";
  return members[0]?.kind ?? fallback;
}

export function summarizeMembers(members: Member[], policy: EscalationPolicy, fallbackKind: IncidentKind): MemberSummary {
  const times = members.map((m) => m.occurredAt).sort();
  const firstSeen = times[0] ?? new Date(0).toISOString();
  const lastSeen = times[times.length - 1] ?? firstSeen;
  const windowStart = Date.parse(lastSeen) - policy.frequentOom.windowMinutes * 60_000;
  const evictions = members.filter((m) => m.kind === "PodEviction");
  const kind = incidentKindOf(members, fallbackKind);
  return {
    kind,
    occurrences: members.length,
    firstSeen,
    lastSeen,
    // A container incident lives in one namespace: plain pod names. Node incidents span namespaces.
    pods: distinct(members.map((m) => (kind !== "ContainerOOM" && kind !== "MemoryNearLimit" && m.pod && m.namespace ? `${m.namespace}/${m.pod}` : m.pod))),
    containers: distinct(members.map((m) => m.container)),
    nodes: distinct(members.map((m) => m.node)),
    oomsInWindow: members.filter((m) => m.kind === "ContainerOOM" && Date.parse(m.occurredAt) >= windowStart).length,
    evictedPods: evictions.slice(0, MAX_LISTED).map((m) => ({
      namespace: m.namespace ?? "",
      pod: m.pod ?? "",
      qosClass: m.qosClass,
      priorityClassName: m.priorityClassName,
    })),
  };
}
