/**
 * Many stored incidents for the query benchmark: realistic items (diagnosis,
 * recommendation, pods) written through toIncidentItem as analyze writes them,
 * spread over namespaces, levels and a year of firstSeen times, loaded with
 * parallel BatchWriteItem calls.
 */
import { BatchWriteCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { IncidentSchema, type Incident, type Level } from "../shared/schema/incident.ts";
import { toIncidentItem } from "../shared/storage/incident-item.ts";

export const FIXTURE_CLUSTER = "bench-queries";
export const NAMESPACES = 100;

const YEAR_MS = 365 * 24 * 3600 * 1000;

/** Level 1 for 60%, 2 for 30%, 3 for 10% of incidents (deterministic by index). */
function levelOf(i: number): Level {
  const r = i % 10;
  return r < 6 ? 1 : r < 9 ? 2 : 3;
}

export function fixtureIncident(i: number, now: number): Incident {
  const namespace = `team-${(i % NAMESPACES) + 1}`;
  const workload = `svc-${(i % 997) + 1}`;
  const firstSeen = new Date(now - Math.floor(((i * 7919) % 1_000_003) / 1_000_003 * YEAR_MS)).toISOString();
  const level = levelOf(i);
  return IncidentSchema.parse({
    id: `bench${String(i).padStart(8, "0")}`,
    level,
    kind: "ContainerOOM",
    cluster: FIXTURE_CLUSTER,
    namespace,
    workload: { kind: "Deployment", name: workload },
    container: "app",
    node: `node-${(i % 200) + 1}`,
    groupKey: `oom|${FIXTURE_CLUSTER}|${namespace}|Deployment/${workload}|app|${i}`,
    pods: [`${workload}-7d9f8c6b5d-${String(i % 100000).padStart(5, "0")}`],
    containers: ["app"],
    occurrences: 1 + (i % 5),
    firstSeen,
    lastSeen: firstSeen,
    ...(level > 1 ? { escalation: { from: 1, reasons: ["more than 3 OOMs of this container in 1 hour"] } } : {}),
    diagnosis: { causes: ["limit-too-low"], summary: `app used its whole 512Mi limit (working set 511Mi at the kill)` },
    recommendation: {
      summary: "raise the memory limit to 768Mi and set GOMEMLIMIT to 90% of it",
      container: "app",
      current: { requestBytes: 268435456, limitBytes: 536870912 },
      proposed: { requestBytes: 322122547, limitBytes: 805306368 },
      resultingQos: "Burstable",
      settings: { GOMEMLIMIT: "690MiB" },
      basis: ["peak 511Mi × 1.2 = 613Mi, requests 256Mi × 1.5 = 384Mi: limit max(613Mi, 384Mi) rounded up"],
    },
    enrichment: "live",
    facts: { limitBytes: 536870912, requestBytes: 268435456, restarts: 1 + (i % 5), exitCode: 137 },
    lastMessage: "OOMKilled",
    updatedAt: firstSeen,
  });
}

/** Writes incidents 0..count-1 with `parallel` BatchWriteItem calls in flight; unprocessed items are retried. */
export async function loadIncidents(doc: DynamoDBDocumentClient, table: string, count: number, parallel = 8): Promise<void> {
  const now = Date.now();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const start = next;
      next = Math.min(count, next + 25);
      let requests: Array<{ PutRequest: { Item: Record<string, unknown> } }> = [];
      for (let i = start; i < next; i++) requests.push({ PutRequest: { Item: toIncidentItem(fixtureIncident(i, now)) } });
      while (requests.length > 0) {
        const out = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
        requests = (out.UnprocessedItems?.[table] ?? []) as typeof requests;
      }
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}
