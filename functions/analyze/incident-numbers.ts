/**
 * The numbers an analysis works from (count, first/last seen, kinds, pods, containers, nodes,
 * OOMs in the frequent-OOM window, evicted pods), read at a constant cost: the running tally
 * ingest keeps on the incident's group item (shared/domain/incident-tally.ts), one GetItem
 * whatever the size of the incident. Ingest counts an occurrence in the tally before it puts
 * the occurrence's member, so the tally never counts less than the members do.
 *
 * Only when the group has moved on to a newer incident (an analysis of a closed incident, e.g.
 * a late correlation re-analysis) or was written before the running tally, the members are
 * read and tallied the same way.
 */
import { groupOf } from "../../shared/domain/grouping.ts";
import { type IncidentTally, summaryOf, tallyOf } from "../../shared/domain/incident-tally.ts";
import type { MemberSummary } from "../../shared/domain/members.ts";
import type { EscalationPolicy } from "../../shared/domain/policy.ts";
import type { Occurrence } from "../../shared/schema/occurrence.ts";
import type { PipelineStore } from "../../shared/storage/pipeline-store.ts";

/** The incident's tally: its group's when the group still holds it, else from its members. */
async function tallyFor(store: PipelineStore, incidentId: string, o: Occurrence, policy: EscalationPolicy): Promise<IncidentTally> {
  const group = await store.getGroup(groupOf(o).key);
  if (group?.incidentId === incidentId && group.tally) return group.tally;
  return tallyOf(await store.listMembers(incidentId), policy);
}

/** An incident's numbers, and its kill times (node OOM correlation is per kill). */
export type IncidentNumbers = MemberSummary & Pick<IncidentTally, "oomTimes">;

/** The incident's numbers, or undefined when it has no occurrences (expired, or never ingested). */
export async function incidentNumbers(store: PipelineStore, incidentId: string, o: Occurrence, policy: EscalationPolicy): Promise<IncidentNumbers | undefined> {
  const tally = await tallyFor(store, incidentId, o, policy);
  return tally.occurrences > 0 ? { ...summaryOf(tally, o.kind), oomTimes: tally.oomTimes } : undefined;
}
