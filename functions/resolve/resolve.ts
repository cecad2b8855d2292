/**
 * Resolves the incidents that have been quiet for the group window (node incidents: and whose
 * node's MemoryPressure has cleared): each is marked
 * resolved with one conditional write and handed to notify (NotifyRequest `resolved`),
 * which updates the parent, replies once in the thread and puts
 * `oomwatch.incident.resolved`. Runs on a schedule (AWS) or a timer (sandbox).
 */
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Incident, NotifyRequest } from "../../shared/schema/incident.ts";
import { heldByNodePressure } from "../../shared/domain/node-pressure.ts";
import { markResolved, openIncidentsQuietSince } from "../../shared/storage/lifecycle.ts";
import { nodesUnderPressure, pressureKey } from "../../shared/storage/node-pressure.ts";

export interface ResolveDeps {
  doc: DynamoDBDocumentClient;
  sqs: SQSClient;
  tableName: string;
  notifyQueueUrl: string;
  /** The group window: an incident quiet this long gets no more occurrences (ingest opens a new one). */
  windowMinutes: number;
  now: () => Date;
  /** Incidents resolved per run; the next run takes the rest. */
  batch?: number;
  /** Told the keys of open-index items that are not valid incidents (skipped). */
  onUnreadable?: (keys: string[]) => void;
}

/** Resolves every incident quiet for the window; returns the ones this run resolved. */
export async function resolveQuietIncidents(d: ResolveDeps): Promise<Incident[]> {
  const now = d.now();
  const quietSince = new Date(now.getTime() - d.windowMinutes * 60_000).toISOString();
  const { incidents: due, unreadable } = await openIncidentsQuietSince(d.doc, d.tableName, quietSince, d.batch ?? 100, async (page) => {
    const held = await heldOpen(d, page);
    return page.filter((i) => !held.has(i.id));
  });
  if (unreadable.length > 0) d.onUnreadable?.(unreadable);
  const resolved: Incident[] = [];
  for (const incident of due) {
    // Already resolved but still in the index: notify has not closed it in Slack yet (a lost
    // request or a crash), so ask again; notify's replies are idempotent.
    let closed = incident;
    if (incident.status === "open") {
      const at = now.toISOString();
      if (!(await markResolved(d.doc, d.tableName, incident, at))) continue;
      closed = { ...incident, status: "resolved", resolvedAt: at };
    }
    const request: NotifyRequest = { version: 1, incidentId: incident.id, change: "resolved", revision: incident.occurrences, incident: closed };
    await d.sqs.send(new SendMessageCommand({ QueueUrl: d.notifyQueueUrl, MessageBody: JSON.stringify(request) }));
    resolved.push(closed);
  }
  return resolved;
}

/**
 * The due node incidents whose node is still under MemoryPressure: quiet is not over for them
 * (docs/design.md "Incident lifecycle"). One BatchGet of the nodes' recorded states per run.
 * Already-resolved ones awaiting notify are never held back.
 */
async function heldOpen(d: ResolveDeps, due: Incident[]): Promise<Set<string>> {
  const nodeIncidents = due.flatMap((i) => (i.status === "open" && heldByNodePressure(i) && i.node ? [{ id: i.id, cluster: i.cluster, node: i.node }] : []));
  const pressured = await nodesUnderPressure(d.doc, d.tableName, nodeIncidents);
  return new Set(nodeIncidents.filter((i) => pressured.has(pressureKey(i.cluster, i.node))).map((i) => i.id));
}
