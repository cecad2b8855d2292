/**
 * What the records of one SQS batch share: their marker reads together with their groups' reads
 * (one BatchGet), the group update of each group (one conditional write for all its records),
 * the unconditional puts of members and window state (one BatchWrite), the level reads (one
 * BatchGet), the node OOM look-ups of each node (one Query), the mass-eviction counts of each
 * cluster (one Query, bounded at the threshold), each incident's count update (one
 * write, the highest count) and the done markers (one BatchWrite). The records are processed
 * concurrently and reach each step in about the same turn; coalesce() gathers them, so a repeat
 * occurrence costs its own claim plus a share of the batch's requests.
 */
import type { EscalationPolicy } from "../../shared/domain/policy.ts";
import type { Occurrence } from "../../shared/schema/occurrence.ts";
import type { GroupState, OccurrenceMarker } from "../../shared/storage/pipeline-items.ts";
import type { PipelineStore } from "../../shared/storage/pipeline-store.ts";
import { shiftIso } from "../../shared/time.ts";
import { coalesce, coalesceByKey } from "./coalesce.ts";
import { type Assignment, assignIncidents } from "./group-state.ts";
import { LevelFloors } from "./level-floors.ts";

export type IncidentCounts = Parameters<PipelineStore["advanceIncidentCounts"]>[1];

export interface IngestBatch {
  /** The occurrence's marker; also reads its group for the batch's assign step. */
  marker(key: string, groupKey: string): Promise<OccurrenceMarker | undefined>;
  assign(groupKey: string, o: Occurrence): Promise<Assignment>;
  /** Unconditional, idempotent puts (PipelineStore's *Item builders). */
  put(items: Record<string, unknown>[]): Promise<void>;
  /**
   * The incident's stored level as read by this batch (one read per incident and batch), raised to
   * an escalation this handler requested and analyze has not stored yet (level-floors.ts).
   * Undefined: not analysed yet.
   */
  level(incidentId: string): Promise<number | undefined>;
  /** The same from a level read by an earlier batch of this handler (a lower bound) when there is one: no read. */
  levelAtLeast(incidentId: string): Promise<number | undefined>;
  /** This handler sent analyze a re-analysis of the incident, whose numbers classified at `level`. */
  requested(incidentId: string, level: number): void;
  /** Whether the node had a NodeOOM within `windowMs` of `at`. */
  nodeOomNear(cluster: string, node: string, at: string, windowMs: number): Promise<boolean>;
  /** The cluster's evictions in the mass-eviction window up to `at`, counted up to the threshold + 1. */
  clusterEvictions(cluster: string, at: string): Promise<number>;
  advance(incidentId: string, counts: IncidentCounts): Promise<void>;
  /** The occurrence's marker -> done (`doneAt`: ingest took its last action). */
  done(marker: OccurrenceMarker, doneAt?: string): Promise<void>;
}

/** `floors`: the handler's levels read by earlier batches (a new one: this batch reads every level it needs). */
export function ingestBatch(store: PipelineStore, policy: EscalationPolicy, now: () => Date, floors = new LevelFloors()): IngestBatch {
  const groups = new Map<string, GroupState | undefined>();
  const markers = coalesce(async (requests: Array<{ key: string; groupKey: string }>) => {
    const groupKeys = [...new Set(requests.map((r) => r.groupKey))];
    const found = await store.getOccurrencesAndGroups([...new Set(requests.map((r) => r.key))], groupKeys);
    for (const g of groupKeys) groups.set(g, found.groups.get(g));
    return requests.map((r) => found.markers.get(r.key));
  });
  const readLevels = coalesce(async (ids: string[]) => {
    const found = await store.getIncidentLevels([...new Set(ids)]);
    for (const [id, level] of found) floors.raise(id, level);
    return ids.map((id) => found.get(id));
  });
  // Once per incident and batch: a trigger confirmed after a floor reuses the batch's read.
  const levelReads = new Map<string, Promise<number | undefined>>();
  const stored = (incidentId: string) => {
    let read = levelReads.get(incidentId);
    if (!read) {
      read = readLevels(incidentId);
      levelReads.set(incidentId, read);
    }
    return read;
  };
  const expected = (incidentId: string, level: number | undefined) => floors.expected(incidentId, level, now().getTime());
  const puts = coalesce(async (lists: Record<string, unknown>[][]) => {
    await store.putItems(lists.flat());
    return lists.map(() => undefined);
  });
  const assign = coalesceByKey((groupKey, occurrences: Occurrence[]) => {
    // The group was read with the markers: the first attempt uses that read (once; a lost race reads again).
    const prefetched = groups.has(groupKey) ? { group: groups.get(groupKey) } : undefined;
    groups.delete(groupKey);
    return assignIncidents(store, groupKey, occurrences, policy, now, prefetched);
  });
  // One Query of the node's NodeOOM partition covers every occurrence of the batch on the node.
  const nodeOoms = coalesceByKey(async (_nodeKey, asks: Array<{ cluster: string; node: string; at: string; windowMs: number }>) => {
    const { cluster, node } = asks[0]!;
    const from = asks.map((a) => shiftIso(a.at, -a.windowMs)).sort()[0]!;
    const to = asks.map((a) => shiftIso(a.at, a.windowMs)).sort().at(-1)!;
    const times = (await store.queryNodeLog(cluster, node, from, to, true)).map((e) => Date.parse(e.occurredAt));
    return asks.map((a) => times.some((t) => Math.abs(t - Date.parse(a.at)) <= a.windowMs));
  });
  const evictions = coalesceByKey(async (cluster, ats: string[]) =>
    (await store.clusterEvictionsNear(cluster, ats, policy.massEviction)).map((e) => e.count),
  );
  // Counts only move forward (the write is conditional on that): the highest of the batch covers the others.
  const advance = coalesceByKey(async (incidentId, all: IncidentCounts[]) => {
    const highest = all.reduce((a, b) => (b.occurrences > a.occurrences ? b : a));
    await store.advanceIncidentCounts(incidentId, highest, now().toISOString());
    return all.map(() => undefined);
  });
  return {
    marker: (key, groupKey) => markers({ key, groupKey }),
    assign,
    put: puts,
    level: async (incidentId) => expected(incidentId, await stored(incidentId)),
    levelAtLeast: async (incidentId) => expected(incidentId, floors.get(incidentId) ?? (await stored(incidentId))),
    requested: (incidentId, level) => floors.requested(incidentId, level, now().getTime()),
    nodeOomNear: (cluster, node, at, windowMs) => nodeOoms(`${cluster}|${node}`, { cluster, node, at, windowMs }),
    clusterEvictions: evictions,
    advance,
    // Done markers are idempotent puts too: they share the batch's BatchWrite with the other puts.
    done: (marker, doneAt) => puts([store.doneMarkerItem(marker, doneAt)]),
  };
}
