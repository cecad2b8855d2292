/** Incidents for query tests, written through toIncidentItem exactly as analyze writes them. */
import { PutCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { IncidentSchema, type Incident } from "../../shared/schema/incident.ts";
import { toIncidentItem } from "../../shared/storage/incident-item.ts";

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

export async function putIncidents(doc: DynamoDBDocumentClient, table: string, incidents: Incident[]): Promise<void> {
  for (const incident of incidents) await doc.send(new PutCommand({ TableName: table, Item: toIncidentItem(incident) }));
}

/** Minutes/hours/days before `now` as ISO. */
export const ago = (now: Date, ms: number): string => new Date(now.getTime() - ms).toISOString();
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
