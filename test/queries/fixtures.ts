/** Incidents for query tests, written through toIncidentItem exactly as analyze writes them. */
import { PutCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { IncidentSchema, type Incident } from "../../shared/schema/incident.ts";
import { toIncidentItem } from "../../shared/storage/incident-item.ts";
import type { Member } from "../../shared/domain/members.ts";
import { PipelineStore } from "../../shared/storage/pipeline-store.ts";

export type IncidentOverrides = Partial<Omit<Incident, "id" | "firstSeen">> & { id: string; firstSeen: string };

/** A valid ContainerOOM incident of payments/Deployment/api unless overridden. */
export function makeIncident(o: IncidentOverrides): Incident {
  return IncidentSchema.parse({
    level: 1,
    kind: "ContainerOOM",
    cluster: "prod",
    namespace: "payments",
    workload: { kind: "Deployment", name: "api" },
    container: "server",
    node: "node-a",
    groupKey: `oom|prod|payments|Deployment/api|server|${o.id}`,
    pods: ["api-7d9f-abcde"],
    containers: ["server"],
    occurrences: 1,
    lastSeen: o.firstSeen,
    diagnosis: { causes: ["limit-too-low"], summary: "server used its whole 512Mi limit" },
    enrichment: "live",
    updatedAt: o.firstSeen,
    ...o,
  });
}

/** One member per occurrence, a minute apart from firstSeen, as ingest records them. */
export function membersOf(i: Incident): Member[] {
  return Array.from({ length: i.occurrences }, (_, n) => ({
    key: `occ:${i.id}:${n}`,
    kind: i.kind,
    occurredAt: new Date(Date.parse(i.firstSeen) + n * 60_000).toISOString(),
    ...(i.namespace ? { namespace: i.namespace, pod: `${i.workload?.name ?? "pod"}-${n}`, container: i.container } : {}),
    ...(i.node ? { node: i.node } : {}),
  }));
}

/** Incident items (toIncidentItem, as analyze writes them) and their members (as ingest writes them). */
export async function putIncidents(doc: DynamoDBDocumentClient, table: string, incidents: Incident[]): Promise<void> {
  const pipeline = new PipelineStore(doc, table);
  for (const incident of incidents) {
    await doc.send(new PutCommand({ TableName: table, Item: toIncidentItem(incident) }));
    for (const m of membersOf(incident)) await pipeline.putMember(incident.id, m);
  }
}

/** Minutes/hours/days before `now` as ISO. */
export const ago = (now: Date, ms: number): string => new Date(now.getTime() - ms).toISOString();
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

const NAMESPACES = [
  { namespace: "payments", workload: { kind: "Deployment", name: "api" } },
  { namespace: "web", workload: { kind: "StatefulSet", name: "cache" } },
  { namespace: "web", workload: { kind: "Deployment", name: "api" } },
  { namespace: "batch", workload: { kind: "CronJob", name: "report" } },
];

/**
 * 24 incidents of cluster `prod`, one every 7 hours back from `now` (ids `inc-00`
 * newest .. `inc-23`), mixing namespaces, workloads (two named `api`), nodes,
 * levels and kinds; plus `stg-00` in cluster `staging` that no prod query may return.
 */
export function history(now: Date): Incident[] {
  const out: Incident[] = [];
  for (let i = 0; i < 24; i++) {
    const id = `inc-${String(i).padStart(2, "0")}`;
    const base = { id, firstSeen: ago(now, i * 7 * HOUR), node: `node-${"abc"[i % 3]}`, occurrences: (i % 4) + 1 };
    if (i % 7 === 6) {
      out.push(makeIncident({ ...base, kind: "NodeOOM", level: 3, namespace: undefined, workload: undefined, container: undefined, groupKey: `nodeoom|prod|${base.node}` }));
    } else if (i % 5 === 4) {
      out.push(makeIncident({ ...base, kind: "PodEviction", level: 2, namespace: undefined, workload: undefined, container: undefined, groupKey: `nodemem|prod|${base.node}` }));
    } else {
      const w = NAMESPACES[i % NAMESPACES.length]!;
      out.push(makeIncident({ ...base, ...w, level: i % 4 === 0 ? 2 : 1 }));
    }
  }
  out.push(makeIncident({ id: "stg-00", cluster: "staging", firstSeen: ago(now, HOUR) }));
  return out;
}

/** Newest first, as every list returns them. */
export const newestFirst = (incidents: Incident[]): string[] =>
  [...incidents].sort((a, b) => b.firstSeen.localeCompare(a.firstSeen)).map((i) => i.id);
