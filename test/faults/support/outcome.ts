/**
 * What a fault run left behind, read back from the stores themselves (DynamoDB,
 * the DLQs, the Slack sink) in a shape that two runs can be compared with:
 * one row per incident with its counts and its Slack parents.
 */
import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { DLQ_ATTRIBUTES } from "../../../shared/dead-letter.ts";
import { pendingMessages, queueCounts } from "../../../sandbox/lambda-runner/queue-counts.ts";
import type { Pipeline } from "../../../sandbox/pipeline.ts";
import { INCIDENTS_TABLE, type QueueId } from "../../../shared/resources.ts";
import type { Incident } from "../../../shared/schema/incident.ts";
import { fromIncidentItem, INCIDENT_SK } from "../../../shared/storage/incident-item.ts";
import { MEMBER_PREFIX, OCC_SK } from "../../../shared/storage/pipeline-items.ts";

export interface IncidentRow {
  /**
   * The incident's group key (`oom|<cluster>|shop|Deployment/api|app`, `nodemem|<cluster>|node-c`):
   * unlike its kind, which is the kind of whichever occurrence arrived first, it does not
   * depend on arrival order.
   */
  group: string;
  level: number;
  /** The incident's own count. */
  occurrences: number;
  /** Member items in its partition (one per distinct occurrence). */
  members: number;
  /** Occurrence markers pointing at it. */
  markers: number;
  /** Top-level Slack messages for it: owner channel and (Level 3) ops copy. */
  ownerParents: number;
  opsParents: number;
  /** The stored Slack reference is the posted owner parent. */
  slackRefMatches: boolean;
  /** Node OOM correlation: the group of the node OOM incident a victim is part of, and a node OOM's victim count. */
  partOf?: string;
  victims: number;
}

export interface DeadLetter {
  body: string;
  error?: string;
  reason?: string;
}

export interface Outcome {
  incidents: IncidentRow[];
  /** Distinct occurrences stored (markers), by kind. */
  occurrencesByKind: Record<string, number>;
  deadLetters: Record<QueueId, number>;
  /** Slack: top-level posts the sink received, and deletions (a duplicate parent removed). */
  slack: { posted: number; deleted: number };
}

async function scanAll(p: Pipeline): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await p.aws.clients.doc.send(new ScanCommand({ TableName: INCIDENTS_TABLE.name, ExclusiveStartKey: start }));
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Every message of a DLQ with the reason attributes (received with a long visibility timeout, not deleted). */
export async function readDeadLetters(p: Pipeline, queue: QueueId): Promise<DeadLetter[]> {
  const out: DeadLetter[] = [];
  for (let empty = 0; empty < 2; ) {
    const res = await p.aws.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: p.queues[queue].dlqUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 300, MessageAttributeNames: ["All"] }),
    );
    const msgs = res.Messages ?? [];
    if (msgs.length === 0) empty++;
    for (const m of msgs) {
      out.push({
        body: m.Body ?? "",
        error: m.MessageAttributes?.[DLQ_ATTRIBUTES.error]?.StringValue,
        reason: m.MessageAttributes?.[DLQ_ATTRIBUTES.reason]?.StringValue,
      });
    }
  }
  return out;
}

/** Row order of an outcome (plain code-unit order, the same everywhere). */
export const byGroup = (a: IncidentRow, b: IncidentRow): number => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0);

/** Every stored incident record. */
export async function storedIncidents(p: Pipeline): Promise<Incident[]> {
  return (await scanAll(p)).filter((i) => i.sk === INCIDENT_SK).map((i) => fromIncidentItem(i));
}

/**
 * Enrichment (live or event-time-only) is not part of the outcome: under CPU contention
 * a live lookup may time out and fall back, which is correct behaviour, not a fault result.
 */
export async function collectOutcome(p: Pipeline): Promise<Outcome> {
  const items = await scanAll(p);
  const incidentItems = items.filter((i) => i.sk === INCIDENT_SK);
  const incidents = incidentItems.map((i) => fromIncidentItem(i));
  const groupById = new Map(incidents.map((i) => [i.id, i.groupKey]));
  // `partOf` is stored next to the incident record (analyze's correlation), not in IncidentSchema.
  const partOf = new Map(incidentItems.map((i) => [String(i.id), (i.partOf as { incidentId?: string } | undefined)?.incidentId]));
  const members = new Map<string, number>();
  const markers = new Map<string, number>();
  const occurrencesByKind: Record<string, number> = {};
  for (const item of items) {
    const pk = String(item.pk);
    if (String(item.sk).startsWith(MEMBER_PREFIX)) members.set(pk.slice(4), (members.get(pk.slice(4)) ?? 0) + 1);
    if (item.sk === OCC_SK) {
      markers.set(String(item.incidentId), (markers.get(String(item.incidentId)) ?? 0) + 1);
      const kind = String((JSON.parse(String(item.body)) as { kind: string }).kind);
      occurrencesByKind[kind] = (occurrencesByKind[kind] ?? 0) + 1;
    }
  }
  const sink = p.slackSink;
  if (!sink) throw new Error("fault tests need the Slack sink");
  const parents = sink.messages().filter((m) => !m.thread_ts);
  const parentsOf = (id: string, role: string) =>
    parents.filter((m) => m.metadata?.event_payload.incident_id === id && m.metadata.event_payload.role === role);

  const rows = incidents.map((i): IncidentRow => {
    const owner = parentsOf(i.id, "owner");
    return {
      group: i.groupKey,
      level: i.level,
      occurrences: i.occurrences,
      members: members.get(i.id) ?? 0,
      markers: markers.get(i.id) ?? 0,
      ownerParents: owner.length,
      opsParents: parentsOf(i.id, "ops").length,
      slackRefMatches: owner.length === 1 && i.slack?.ts === owner[0]?.ts,
      ...(partOf.get(i.id) ? { partOf: groupById.get(partOf.get(i.id)!) ?? "unknown incident" } : {}),
      victims: i.victims.length,
    };
  });
  rows.sort(byGroup);

  const deadLetters = { events: 0, analyze: 0, notify: 0 };
  for (const q of Object.keys(deadLetters) as QueueId[]) deadLetters[q] = pendingMessages(await queueCounts(p.aws.clients.sqs, p.queues[q].dlqUrl));
  return { incidents: rows, occurrencesByKind, deadLetters, slack: { posted: sink.counters.posted, deleted: sink.counters.deleted } };
}
