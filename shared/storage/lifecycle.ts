/**
 * The incident lifecycle in storage (docs/design.md "Incident lifecycle"): open incidents
 * that have been quiet since a moment, found with the sparse byOpen index (never a Scan),
 * and the single conditional write that resolves one.
 */
import { type DynamoDBDocumentClient, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { INCIDENTS_TABLE } from "../resources.ts";
import type { Incident } from "../schema/incident.ts";
import { isConditionFailure } from "./conditions.ts";
import { fromIncidentItem, INCIDENT_SK, incidentPk, indexKeys } from "./incident-item.ts";

/** Pages of the byOpen index read per call at most: a bound on one resolver run's reads. */
const MAX_PAGES = 10;

export interface QuietIncidents {
  /** Usable incidents, oldest first, at most `limit`. */
  incidents: Incident[];
  /** Keys of index items that are not valid incidents (corrupt or from another schema): skipped, for the caller to log. */
  unreadable: string[];
}

/**
 * Open incidents whose last occurrence is before `quietSince` (ISO), oldest first. `usable`
 * drops the ones the caller cannot act on yet (node incidents held by pressure): `limit`
 * counts only the kept ones, so a run is never stuck behind ≥ `limit` held incidents at the
 * front of the index. Reads at most MAX_PAGES pages of `limit` items.
 */
export async function openIncidentsQuietSince(
  doc: DynamoDBDocumentClient,
  tableName: string,
  quietSince: string,
  limit: number,
  usable: (page: Incident[]) => Promise<Incident[]> = async (page) => page,
): Promise<QuietIncidents> {
  const index = INCIDENTS_TABLE.indexes.byOpen;
  const out: QuietIncidents = { incidents: [], unreadable: [] };
  let start: Record<string, unknown> | undefined;
  let pages = 0;
  do {
    const page = await doc.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: index.name,
        KeyConditionExpression: "#pk = :open AND #sk < :before",
        ExpressionAttributeNames: { "#pk": index.partitionKey, "#sk": index.sortKey },
        ExpressionAttributeValues: { ":open": indexKeys.open, ":before": quietSince },
        Limit: limit,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    const incidents: Incident[] = [];
    for (const item of page.Items ?? []) {
      // Only analyze's full incident write sets openKey, so this is a corrupt item or one
      // written under another schema: reported, never retried forever in silence.
      try {
        incidents.push(fromIncidentItem(item));
      } catch {
        out.unreadable.push(String(item.pk));
      }
    }
    out.incidents.push(...(await usable(incidents)).slice(0, limit - out.incidents.length));
    start = page.LastEvaluatedKey;
    pages++;
  } while (start && out.incidents.length < limit && pages < MAX_PAGES);
  return out;
}

/**
 * Marks an incident resolved, once: only while it is still open and its last occurrence is
 * still the one the resolver saw (a concurrent occurrence keeps it open). False when not written.
 * It stays in the byOpen index until notify has closed it in Slack (removeFromOpen), so a
 * notify request lost after this write is sent again by the next run.
 */
export async function markResolved(doc: DynamoDBDocumentClient, tableName: string, incident: Incident, resolvedAt: string): Promise<boolean> {
  try {
    await doc.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: incidentPk(incident.id), sk: INCIDENT_SK },
        UpdateExpression: "SET #status = :resolved, resolvedAt = :at",
        ConditionExpression: "attribute_exists(openKey) AND lastSeen = :seen AND (attribute_not_exists(#status) OR #status = :open)",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":resolved": "resolved", ":open": "open", ":at": resolvedAt, ":seen": incident.lastSeen },
      }),
    );
    return true;
  } catch (e) {
    if (isConditionFailure(e)) return false;
    throw e;
  }
}

/** Takes a resolved incident out of the byOpen index once Slack shows it resolved. */
export async function removeFromOpen(doc: DynamoDBDocumentClient, tableName: string, id: string): Promise<void> {
  try {
    await doc.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: incidentPk(id), sk: INCIDENT_SK },
        UpdateExpression: "REMOVE openKey",
        ConditionExpression: "#status = :resolved",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":resolved": "resolved" },
      }),
    );
  } catch (e) {
    if (!isConditionFailure(e)) throw e;
  }
}
