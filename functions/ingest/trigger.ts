/**
 * Whether an occurrence needs a (re-)analysis: analyze runs for new incidents and
 * for anything that can change the level or the advice; plain repeats only move
 * the stored counts forward.
 */
import { classify, isEarlyWarningKind } from "../../shared/domain/classify.ts";
import type { IncidentTally } from "../../shared/domain/incident-tally.ts";
import { MAX_LISTED, type Member, type MemberSummary } from "../../shared/domain/members.ts";
import type { EscalationPolicy } from "../../shared/domain/policy.ts";
import type { AnalyzeRequest } from "../../shared/schema/incident.ts";
import type { Occurrence } from "../../shared/schema/occurrence.ts";

export type Trigger = AnalyzeRequest["trigger"];

export interface TriggerInput {
  occurrence: Occurrence;
  member: Member;
  /** The incident's running tally before this occurrence (what was already seen). */
  before: IncidentTally;
  /** The incident's numbers with this occurrence. */
  summary: MemberSummary;
  /** This occurrence opened the incident. */
  opened: boolean;
  /** A previous attempt crashed half-way: it may not have sent its trigger. */
  resumed: boolean;
  /** Level stored by the last analysis; undefined before analyze first wrote the incident. */
  storedLevel: number | undefined;
  /** Memory evictions in the cluster within the mass-eviction window (PodEviction only). */
  clusterEvictionsInWindow?: number;
  /** A NodeOOM on the same node within the correlation window (ContainerOOM only). */
  nodeOomNearby: boolean;
  policy: EscalationPolicy;
}

/** The highest level: nothing can escalate an incident stored at it. */
const TOP_LEVEL = 3;

/**
 * Whether decideTrigger can use the window counts (node OOM nearby, cluster evictions): only
 * when it gets to the level checks. Skipping the queries otherwise matters in a storm, where
 * each would read every entry in its window once per occurrence.
 */
export function needsWindowCounts(t: Pick<TriggerInput, "opened" | "resumed" | "storedLevel">): boolean {
  return !t.opened && !t.resumed && t.storedLevel !== undefined && t.storedLevel < TOP_LEVEL;
}

export function decideTrigger(t: TriggerInput): Trigger | undefined {
  if (t.opened) return "new";
  if (t.resumed) return "repeat";
  // Not analysed yet: the pending first analysis counts this member (analyze re-checks the
  // tally's count after its first write, docs/pipeline.md), so a storm does not queue one
  // analysis per occurrence while analyze catches up.
  if (t.storedLevel === undefined) return undefined;
  const o = t.occurrence;
  // A node OOM can have new victims with every report; container OOMs next to one become its victims.
  if (o.kind === "NodeOOM") return "correlation";
  if (o.kind === "ContainerOOM" && t.nodeOomNearby && t.storedLevel < TOP_LEVEL) return "correlation";
  // Each early warning carries newer numbers (%, trend, trace) and may turn critical: the heads-up
  // is re-analysed so it can be updated in place (the forwarder decides how often it re-sends one).
  if (isEarlyWarningKind(o.kind)) return "repeat";
  // A full list (MAX_LISTED distinct values) counts as seen: past that many pods, one more is no news.
  const seen = (v: string | undefined, list: string[]) => v === undefined || list.includes(v) || list.length >= MAX_LISTED;
  // A new kind (pressure <-> eviction) changes the incident; for container OOMs so does a new
  // pod, container or node (different evidence). Another evicted pod in a storm does not:
  // the storm escalates through the counts below instead of one analysis per eviction.
  const b = t.before;
  if (!b.kinds.includes(o.kind)) return "repeat";
  if (o.kind === "ContainerOOM" && (!seen(t.member.pod, b.pods) || !seen(t.member.container, b.containers) || !seen(t.member.node, b.nodes))) return "repeat";
  return classifiedLevel(t) > t.storedLevel ? "repeat" : undefined;
}

/** The level the incident's numbers with this occurrence classify at (what a re-analysis would find, given the same window counts). */
export function classifiedLevel(t: TriggerInput): number {
  return classify({
    kind: t.summary.kind,
    occurrence: t.occurrence,
    pod: t.occurrence.snapshot.pod,
    node: t.occurrence.snapshot.node,
    occurrences: t.summary.occurrences,
    oomsInWindow: t.summary.oomsInWindow,
    clusterEvictionsInWindow: t.clusterEvictionsInWindow,
    evictedPods: t.summary.evictedPods,
    policy: t.policy,
  }).level;
}
