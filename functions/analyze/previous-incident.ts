/**
 * The earlier incidents of a new incident's group (same `groupKey`, shared/domain/grouping.ts)
 * within PREVIOUS_INCIDENT_DAYS: the most recent one and how many there were, for the record's
 * `previous`. Called once, on the opening analysis (later analyses keep what it found), so a
 * storm's repeats cost no reads.
 *
 * One Query on an existing sparse index, never a Scan: the workload's (container groups) or the
 * node's (node groups) incidents first seen in the last 7 days, filtered to the group and
 * projected to the few attributes needed: a handful of small items per lookup.
 */
import { type DynamoDBDocumentClient, paginateQuery } from "@aws-sdk/lib-dynamodb";
import { PREVIOUS_INCIDENT_DAYS } from "../../shared/domain/previous-incident.ts";
import type { Incident } from "../../shared/schema/incident.ts";
import { type IncidentQuery, planIncidentQuery } from "../../shared/storage/queries.ts";
import { shiftIso, utc } from "../../shared/time.ts";

type Earlier = Pick<Incident, "id" | "firstSeen" | "resolvedAt" | "groupKey">;

/**
 * The index question for the incident's group: its workload (container incidents) or its node.
 * Undefined when the incident names neither (a container OOM without a pod snapshot on several
 * nodes): no `previous` then, rather than a read of the whole cluster's incidents.
 */
function scopeOf(i: Incident): Omit<IncidentQuery, "since" | "until"> | undefined {
  if (i.namespace && i.workload) return { cluster: i.cluster, namespace: i.namespace, workload: i.workload };
  if (i.node) return { cluster: i.cluster, node: i.node };
  return undefined;
}

/** `previous` for a new incident, or undefined when it is the first of its group in the window. */
export async function findPrevious(doc: DynamoDBDocumentClient, table: string, incident: Incident): Promise<Incident["previous"]> {
  const scope = scopeOf(incident);
  if (!scope) return undefined;
  const until = utc(incident.firstSeen);
  const plan = planIncidentQuery(table, { ...scope, since: shiftIso(until, -PREVIOUS_INCIDENT_DAYS * 86_400_000), until });
  const input = plan.input;
  const names = { ...input.ExpressionAttributeNames, "#gk": "groupKey", "#id": "id", "#fs": "firstSeen", "#ra": "resolvedAt" };
  const earlier: Earlier[] = [];
  const pages = paginateQuery(
    { client: doc },
    {
      ...input,
      FilterExpression: [input.FilterExpression, "#gk = :gk"].filter(Boolean).join(" AND "),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: { ...input.ExpressionAttributeValues, ":gk": incident.groupKey },
      ProjectionExpression: "#id, #fs, #ra, #gk",
    },
  );
  for await (const page of pages) {
    for (const item of (page.Items ?? []) as Earlier[]) if (item.id !== incident.id) earlier.push(item);
  }
  const last = earlier.sort((a, b) => utc(a.firstSeen).localeCompare(utc(b.firstSeen))).at(-1);
  if (!last) return undefined;
  return { incidentId: last.id, ...(last.resolvedAt ? { resolvedAt: last.resolvedAt } : {}), countLast7Days: earlier.length + 1 };
}

/** The incident with `previous` filled in (unchanged when it is the first of its group). */
export async function withPrevious(doc: DynamoDBDocumentClient, table: string, incident: Incident): Promise<Incident> {
  const previous = await findPrevious(doc, table, incident);
  return previous ? { ...incident, previous } : incident;
}
