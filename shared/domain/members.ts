/**
 * The members of an incident (one per occurrence; stored by shared/storage) and the shape of
 * the incident-level numbers derived from them (MemberSummary). The numbers are kept as a
 * running tally (shared/domain/incident-tally.ts), rebuilt from the stored members when needed,
 * so counts are never incremented blindly and a retry cannot double-count.
 */
import type { IncidentKind, Occurrence } from "../schema/occurrence.ts";
import { utc } from "../time.ts";
import type { EvictedPod } from "./context.ts";

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
