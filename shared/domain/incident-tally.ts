/**
 * The running summary of an incident that ingest keeps on its group item, so a repeat
 * occurrence costs the same whatever the size of its incident (no Query of every member).
 * It holds what decideTrigger needs: the incident's numbers (MemberSummary) derived from its
 * members, and the kinds / pods / containers / nodes already seen. Exactly-once counting
 * is the job of ingest's group item (functions/ingest/group-state.ts).
 */
import { isContainerKind } from "./classify.ts";
import { type Member, MAX_LISTED, type MemberSummary } from "./members.ts";
import type { EvictedPod } from "./context.ts";
import type { EscalationPolicy } from "./policy.ts";
import type { IncidentKind } from "../schema/occurrence.ts";
import { earliestIso, latestIso } from "../time.ts";

export interface IncidentTally {
  occurrences: number;
  firstSeen: string;
  lastSeen: string;
  /** Kinds in arrival order (the first one is the fallback incident kind). */
  kinds: IncidentKind[];
  /** Distinct values, capped at MAX_LISTED like the incident record's lists. */
  pods: string[];
  containers: string[];
  nodes: string[];
  /** ContainerOOM times within the frequent-OOM window before lastSeen (newest MAX_LISTED). */
  oomTimes: string[];
  evictedPods: EvictedPod[];
}

export const emptyTally = (): IncidentTally => ({
  occurrences: 0,
  firstSeen: "",
  lastSeen: "",
  kinds: [],
  pods: [],
  containers: [],
  nodes: [],
  oomTimes: [],
  evictedPods: [],
});

const withValue = (list: string[], v: string | undefined): string[] => (!v || list.includes(v) || list.length >= MAX_LISTED ? list : [...list, v]);

/** How an incident lists a pod: plain for container incidents and their warnings (one namespace), namespace/name for node incidents. */
const podLabel = (m: Member): string | undefined =>
  !isContainerKind(m.kind) && m.pod && m.namespace ? `${m.namespace}/${m.pod}` : m.pod;

/** The tally with one more member (a new value object: the caller keeps the state before it for decideTrigger). */
export function addToTally(t: IncidentTally, m: Member, policy: EscalationPolicy): IncidentTally {
  const firstSeen = earliestIso(t.firstSeen, m.occurredAt);
  const lastSeen = latestIso(t.lastSeen, m.occurredAt);
  const windowStart = new Date(Date.parse(lastSeen) - policy.frequentOom.windowMinutes * 60_000).toISOString();
  const oomTimes = (m.kind === "ContainerOOM" ? [...t.oomTimes, m.occurredAt].sort() : t.oomTimes).filter((x) => x >= windowStart).slice(-MAX_LISTED);
  return {
    occurrences: t.occurrences + 1,
    firstSeen,
    lastSeen,
    kinds: t.kinds.includes(m.kind) ? t.kinds : [...t.kinds, m.kind],
    pods: withValue(t.pods, podLabel(m)),
    containers: withValue(t.containers, m.container),
    nodes: withValue(t.nodes, m.node),
    oomTimes,
    evictedPods:
      m.kind === "PodEviction" && t.evictedPods.length < MAX_LISTED
        ? [...t.evictedPods, { namespace: m.namespace ?? "", pod: m.pod ?? "", qosClass: m.qosClass, priorityClassName: m.priorityClassName }]
        : t.evictedPods,
  };
}

export function tallyOf(members: Member[], policy: EscalationPolicy): IncidentTally {
  return members.reduce((t, m) => addToTally(t, m, policy), emptyTally());
}

/** The incident's numbers for the members counted in the tally (an eviction makes it an eviction incident). */
export function summaryOf(t: IncidentTally, fallbackKind: IncidentKind): MemberSummary {
  return {
    kind: t.kinds.includes("PodEviction") ? "PodEviction" : (t.kinds[0] ?? fallbackKind),
    occurrences: t.occurrences,
    firstSeen: t.firstSeen,
    lastSeen: t.lastSeen,
    pods: t.pods,
    containers: t.containers,
    nodes: t.nodes,
    oomsInWindow: t.oomTimes.length,
    evictedPods: t.evictedPods,
  };
}
