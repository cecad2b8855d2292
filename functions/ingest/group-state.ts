/**
 * Picks the incident of each occurrence of a group and counts it, for all the occurrences of
 * one SQS batch that belong to the group at once: one read and one conditional write of the
 * group item, whatever the size of the incident (docs/pipeline.md "Ingest protocol").
 *
 * The group item holds the current incident, its running tally and the keys it counted
 * recently. Writes are optimistic (condition on the version read); a lost race re-reads and
 * decides again, with jittered backoff within the invocation's time (shared/contention-retry.ts). Exactly once: an occurrence is counted in the same write that records its key,
 * so a retry after a crash, or a concurrent duplicate delivery, finds its key and is not counted
 * again. A key is kept until no retry can still come without finding the occurrence's marker:
 * ingest claims the marker right after this write, and a crashed attempt is redelivered within
 * a visibility timeout; a retry that finds its key refreshes it.
 */
import { incidentIdFor, withinGroupWindow } from "../../shared/domain/grouping.ts";
import { addToTally, emptyTally, type IncidentTally, tallyOf } from "../../shared/domain/incident-tally.ts";
import { memberOf } from "../../shared/domain/members.ts";
import type { EscalationPolicy } from "../../shared/domain/policy.ts";
import type { Occurrence } from "../../shared/schema/occurrence.ts";
import { QUEUES } from "../../shared/resources.ts";
import { LOST, retryOnContention } from "../../shared/contention-retry.ts";
import type { GroupState } from "../../shared/storage/pipeline-items.ts";
import type { PipelineStore } from "../../shared/storage/pipeline-store.ts";
import { latestIso, utc } from "../../shared/time.ts";

/** Two visibility timeouts of the events queue: a redelivery comes within one, plus the attempt's own run. */
export const KEEP_COUNTED_MS = 2 * QUEUES.events.visibilityTimeoutSeconds * 1000;

export interface Assignment {
  incidentId: string;
  /** This write counted the occurrence; false when an earlier (crashed) or concurrent attempt did. */
  counted: boolean;
  /** The incident's tally without this occurrence, and with it (decideTrigger compares them). */
  before: IncidentTally;
  after: IncidentTally;
}

const countedEntry = (at: number, incidentId: string) => `${at}|${incidentId}`;
const parseEntry = (v: string) => {
  const bar = v.indexOf("|");
  return { at: Number(v.slice(0, bar)), incidentId: v.slice(bar + 1) };
};

/**
 * Assigns and counts `occurrences` (all of group `groupKey`); results in the same order.
 * `prefetched`: the group as read with the batch's markers (ingest-batch.ts), used for the
 * first attempt; a lost race reads it again.
 */
export async function assignIncidents(
  store: PipelineStore,
  groupKey: string,
  occurrences: Occurrence[],
  policy: EscalationPolicy,
  now: () => Date,
  prefetched?: { group: GroupState | undefined },
): Promise<Assignment[]> {
  let first = prefetched;
  return retryOnContention(
    async () => {
      const read = first ? first.group : await store.getGroup(groupKey);
      first = undefined;
      // Groups written before the running tally: count their members once, then keep the tally.
      const tally = read && !read.tally ? tallyOf(await store.listMembers(read.incidentId), policy) : read?.tally;
      const { next, assignments } = decide(groupKey, read, tally, occurrences, policy, now().getTime());
      return (await store.putGroup(next, read)) ? assignments : LOST;
    },
    { subject: `group ${groupKey}` },
  );
}

/** The group after `occurrences` (pure): in time order, as if each had arrived alone. */
function decide(
  groupKey: string,
  read: GroupState | undefined,
  tally: IncidentTally | undefined,
  occurrences: Occurrence[],
  policy: EscalationPolicy,
  nowMs: number,
): { next: GroupState; assignments: Assignment[] } {
  const counted: Record<string, string> = {};
  for (const [key, v] of Object.entries(read?.counted ?? {})) if (nowMs - parseEntry(v).at < KEEP_COUNTED_MS) counted[key] = v;
  let state: GroupState | undefined = read ? { ...read, tally: tally ?? emptyTally(), counted } : undefined;
  const assignments = new Map<Occurrence, Assignment>();
  for (const o of [...occurrences].sort((a, b) => utc(a.occurredAt).localeCompare(utc(b.occurredAt)))) {
    const seen = counted[o.key];
    if (seen !== undefined) {
      const { incidentId } = parseEntry(seen);
      counted[o.key] = countedEntry(nowMs, incidentId); // refreshed: this retry may crash too
      const current = state?.tally ?? emptyTally();
      assignments.set(o, { incidentId, counted: false, before: current, after: current });
      continue;
    }
    const at = utc(o.occurredAt);
    // Late arrivals (older than lastSeen) join the open incident rather than reopen history.
    const join = state !== undefined && withinGroupWindow(state.lastSeen, at, policy.groupWindowMinutes);
    const before = join && state?.tally ? state.tally : emptyTally();
    const after = addToTally(before, memberOf(o), policy);
    state =
      join && state
        ? { ...state, lastSeen: latestIso(state.lastSeen, at), tally: after }
        : { groupKey, incidentId: incidentIdFor(groupKey, o.key), openedBy: o.key, firstSeen: at, lastSeen: at, tally: after, counted };
    counted[o.key] = countedEntry(nowMs, state.incidentId);
    assignments.set(o, { incidentId: state.incidentId, counted: true, before, after });
  }
  if (!state) throw new Error(`group ${groupKey}: nothing to assign`);
  return { next: { ...state, counted }, assignments: occurrences.map((o) => assignments.get(o) as Assignment) };
}
