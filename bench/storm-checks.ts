/**
 * What the storm left behind, counted rather than assumed: occurrence markers for
 * every observed key (lost), incident members and occurrence counts (duplicated),
 * and Slack parent messages per incident and role.
 */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { SinkMessage } from "../sandbox/slack-sink.ts";
import { INCIDENTS_TABLE, resourceName } from "../shared/resources.ts";
import type { Level } from "../shared/schema/incident.ts";
import { batchGetItems } from "../shared/storage/batch-get.ts";
import { fromIncidentItem, INCIDENT_SK, incidentPk } from "../shared/storage/incident-item.ts";
import { pipelineKeys } from "../shared/storage/pipeline-items.ts";
import { PipelineStore } from "../shared/storage/pipeline-store.ts";

/** The sandbox creates its tables without a prefix. */
const TABLE = resourceName(INCIDENTS_TABLE.name);

function batchGet(doc: DynamoDBDocumentClient, keys: Array<{ pk: string; sk: string }>): Promise<Record<string, unknown>[]> {
  return batchGetItems(doc, TABLE, keys);
}

export interface StoredCounts {
  /** Observed keys with a fully ingested occurrence marker. */
  stored: number;
  /** Observed keys without one. */
  missing: number;
  /** Incidents the stored occurrences belong to, and how many of them are top-level (get a Slack parent). */
  incidents: number;
  byLevel: Record<Level, number>;
  /** Sum of the incidents' `occurrences` counters. */
  countedOccurrences: number;
  /** Member items (one per occurrence and incident) beyond one per distinct key. */
  duplicateMembers: number;
}

export async function countStored(doc: DynamoDBDocumentClient, observedKeys: readonly string[]): Promise<StoredCounts> {
  const markers = await batchGet(doc, [...new Set(observedKeys)].map((k) => pipelineKeys.occurrence(k)));
  const done = markers.filter((m) => m.state === "done");
  const ids = [...new Set(done.map((m) => String(m.incidentId)))];
  const incidents = (await batchGet(doc, ids.map((id) => ({ pk: incidentPk(id), sk: INCIDENT_SK })))).map((item) => fromIncidentItem(item));

  const store = new PipelineStore(doc, TABLE);
  const memberKeys: string[] = [];
  for (const id of ids) for (const m of await store.listMembers(id)) memberKeys.push(m.key);

  const topLevel = incidents.filter((i) => !i.partOf);
  const byLevel: Record<Level, number> = { 0: 0, 1: 0, 2: 0, 3: 0 };
  for (const i of topLevel) byLevel[i.level]++;
  return {
    stored: done.length,
    missing: new Set(observedKeys).size - done.length,
    incidents: topLevel.length,
    byLevel,
    countedOccurrences: incidents.reduce((sum, i) => sum + i.occurrences, 0),
    duplicateMembers: memberKeys.length - new Set(memberKeys).size,
  };
}

/** Top-level Slack messages of oomwatch incidents: total, and repeats of one (incident, role). */
export function countSlackParents(messages: readonly SinkMessage[]): { total: number; duplicates: number } {
  const parents = messages.filter((m) => !m.thread_ts);
  const seen = new Set(parents.map((m) => `${String(m.metadata?.event_payload.incident_id)}|${String(m.metadata?.event_payload.role)}`));
  return { total: parents.length, duplicates: parents.length - seen.size };
}
