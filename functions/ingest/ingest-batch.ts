/**
 * What the records of one SQS batch share: their marker reads (one BatchGet), the group
 * update of each group (one read and one write for all its records), the level reads (one
 * BatchGet) and each incident's count update (one write, the highest count). The records are
 * processed concurrently and reach each step in about the same turn; coalesce() gathers them.
 */
import type { EscalationPolicy } from "../../shared/domain/policy.ts";
import type { Occurrence } from "../../shared/schema/occurrence.ts";
import type { OccurrenceMarker } from "../../shared/storage/pipeline-items.ts";
import type { PipelineStore } from "../../shared/storage/pipeline-store.ts";
import { coalesce, coalesceByKey } from "./coalesce.ts";
import { type Assignment, assignIncidents } from "./group-state.ts";

export type IncidentCounts = Parameters<PipelineStore["advanceIncidentCounts"]>[1];

export interface IngestBatch {
  marker(key: string): Promise<OccurrenceMarker | undefined>;
  assign(groupKey: string, o: Occurrence): Promise<Assignment>;
  level(incidentId: string): Promise<number | undefined>;
  advance(incidentId: string, counts: IncidentCounts): Promise<void>;
}

export function ingestBatch(store: PipelineStore, policy: EscalationPolicy, now: () => Date): IngestBatch {
  const markers = coalesce(async (keys: string[]) => {
    const found = await store.getOccurrences([...new Set(keys)]);
    return keys.map((k) => found.get(k));
  });
  const levels = coalesce(async (ids: string[]) => {
    const found = await store.getIncidentLevels([...new Set(ids)]);
    return ids.map((id) => found.get(id));
  });
  const assign = coalesceByKey((groupKey, occurrences: Occurrence[]) => assignIncidents(store, groupKey, occurrences, policy, now));
  // Counts only move forward (the write is conditional on that): the highest of the batch covers the others.
  const advance = coalesceByKey(async (incidentId, all: IncidentCounts[]) => {
    const highest = all.reduce((a, b) => (b.occurrences > a.occurrences ? b : a));
    await store.advanceIncidentCounts(incidentId, highest, now().toISOString());
    return all.map(() => undefined);
  });
  return { marker: markers, assign, level: levels, advance };
}
