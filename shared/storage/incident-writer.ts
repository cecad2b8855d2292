/**
 * Writes an incident item for analyze without ever touching `slack` (notify's
 * attribute): one UpdateItem that SETs every field and REMOVEs cleared optional
 * ones. Conditional on not going backwards (occurrences and level never decrease),
 * so a stale or duplicate analysis cannot undo a newer one.
 */
import { type DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { INCIDENTS_TABLE } from "../resources.ts";
import { type Incident, IncidentSchema } from "../schema/incident.ts";
import { INCIDENT_SK, incidentPk, toIncidentItem } from "./incident-item.ts";
import { isConditionFailure } from "./conditions.ts";

/**
 * Attributes notify owns, the lifecycle the resolver owns (an analysis never reopens a
 * resolved incident), and the key.
 */
const NOT_OURS = new Set(["slack", "status", "resolvedAt", INCIDENTS_TABLE.partitionKey, INCIDENTS_TABLE.sortKey]);
const OPTIONAL_INDEX_KEYS = ["namespaceKey", "workloadKey", "nodeKey"];

/** Analyze's own bookkeeping stored next to the incident (ignored by fromIncidentItem). */
export interface AnalysisMark {
  /** The last NotifyRequest sent: a retry of the same analysis re-sends the same change. */
  lastNotify: { revision: number; level: number; change: "new" | "escalated" | "repeat" };
}

/**
 * True when written; false when a newer analysis is already stored (re-read and redo).
 * `openKey` (membership of the byOpen index) belongs to the lifecycle: an analysis sets it
 * only while the incident is open. A late analysis of a resolved incident is written without
 * it, so it cannot put the incident back in the index after notify took it out (removeFromOpen)
 * and have the resolver announce the resolution again. `openSort` is always written: without
 * `openKey` the sparse index ignores it.
 */
export async function writeIncident(doc: DynamoDBDocumentClient, tableName: string, incident: Incident, mark: AnalysisMark): Promise<boolean> {
  const item: Record<string, unknown> = { ...toIncidentItem(incident), ...mark };
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ":n": incident.occurrences, ":level": incident.level };
  const sets: string[] = [];
  let i = 0;
  for (const [key, value] of Object.entries(item)) {
    if (NOT_OURS.has(key) || key === "openKey" || value === undefined) continue;
    names[`#a${i}`] = key;
    values[`:v${i}`] = value;
    sets.push(`#a${i} = :v${i}`);
    i++;
  }
  const removable = [...Object.keys(IncidentSchema.shape), ...OPTIONAL_INDEX_KEYS].filter((k) => !NOT_OURS.has(k) && item[k] === undefined);
  const removes = removable.map((key) => {
    names[`#r${i}`] = key;
    return `#r${i++}`;
  });
  names["#occ"] = "occurrences";
  names["#lvl"] = "level";
  // A new item, or never backwards (an item without pk has no status either).
  const forward = (also?: string) => `attribute_not_exists(pk) OR (#occ <= :n AND #lvl <= :level${also ? ` AND ${also}` : ""})`;
  const update = (assignments: string[], condition: string, extra: { names?: Record<string, string>; values?: Record<string, unknown> } = {}) =>
    new UpdateCommand({
      TableName: tableName,
      Key: { pk: incidentPk(incident.id), sk: INCIDENT_SK },
      UpdateExpression: `SET ${assignments.join(", ")}${removes.length ? ` REMOVE ${removes.join(", ")}` : ""}`,
      ConditionExpression: condition,
      ExpressionAttributeNames: { ...names, ...extra.names },
      ExpressionAttributeValues: { ...values, ...extra.values },
    });
  const attempts: UpdateCommand[] = [];
  if (item.openKey === undefined) {
    attempts.push(update(sets, forward()));
  } else {
    const lifecycle = { names: { "#status": "status" }, values: { ":resolved": "resolved" } };
    attempts.push(update([...sets, "openKey = :openKey"], forward("(attribute_not_exists(#status) OR #status <> :resolved)"), { ...lifecycle, values: { ...lifecycle.values, ":openKey": item.openKey } }));
    // Only when the incident was resolved meanwhile: the same write without openKey.
    attempts.push(update(sets, "#occ <= :n AND #lvl <= :level AND #status = :resolved", lifecycle));
  }
  for (const attempt of attempts) {
    try {
      await doc.send(attempt);
      return true;
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }
  return false;
}
