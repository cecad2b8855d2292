/**
 * Read side of the incidents table: which index answers a question, the Query
 * that asks it, and paging with opaque tokens. Every list is a DynamoDB Query on
 * one of the sparse GSIs (never a Scan); a single incident is a GetItem.
 *
 * An incident's occurrences are the member items in its own partition
 * (`INC#<id>` / `MEMBER#...`, written by ingest): a Query on the table key.
 *
 * The one exception is `scanClusters`: which clusters exist is no index's partition, so
 * it reads the byCluster index whole (meant for the sandbox's local data dir).
 *
 * Index choice, most selective first: byWorkload > byNode > byNamespace > byLevel > byCluster.
 * Whatever the chosen index does not cover is a FilterExpression. Time bounds
 * select incidents by `firstSeen` through the index sort key `timeKey`.
 */
import { GetCommand, paginateQuery, paginateScan, QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from "@aws-sdk/lib-dynamodb";
import { INCIDENTS_TABLE } from "../resources.ts";
import type { Incident, Level } from "../schema/incident.ts";
import type { IncidentKind } from "../schema/occurrence.ts";
import { INCIDENT_SK, fromIncidentItem, incidentPk, indexKeys, toIncidentItem } from "./incident-item.ts";
import type { Member } from "../domain/members.ts";
import { PipelineStore } from "./pipeline-store.ts";

export type IncidentIndex = keyof typeof INCIDENTS_TABLE.indexes;

/** A workload filter: `kind` absent means any kind with that name. */
export interface WorkloadFilter {
  kind?: string;
  name: string;
}

export interface IncidentQuery {
  cluster: string;
  namespace?: string;
  workload?: WorkloadFilter;
  node?: string;
  level?: Level;
  kind?: IncidentKind;
  /** Lifecycle; an incident written before it had a status counts as open. */
  status?: "open" | "resolved";
  /** Inclusive bounds on `firstSeen`, UTC ISO timestamps (`Date#toISOString`). */
  since?: string;
  until?: string;
}

/** A planned query: the chosen index and the Query input (without paging fields). */
export interface QueryPlan {
  index: IncidentIndex;
  input: QueryCommandInput & { IndexName: string; TableName: string };
  /** True when a FilterExpression drops items after they are read. */
  filtered: boolean;
}

/** Bad input a user can fix (bad token, ...): callers print the message only. */
export class QueryInputError extends Error {
  override name = "QueryInputError";
}

/** Collects expression attribute names/values so conditions stay readable. */
class Expression {
  readonly names: Record<string, string> = {};
  readonly values: Record<string, unknown> = {};
  private n = 0;

  /** `#a.#b` for a (possibly nested) attribute path. */
  name(...path: string[]): string {
    return path
      .map((p) => {
        const ref = `#${p}`;
        this.names[ref] = p;
        return ref;
      })
      .join(".");
  }

  value(v: unknown): string {
    const ref = `:v${this.n++}`;
    this.values[ref] = v;
    return ref;
  }
}

// Sorts after any `#<id>` suffix, so an `until` bound includes incidents first seen at exactly that instant.
const UNTIL_SUFFIX = "\uffff";

function chooseIndex(q: IncidentQuery): { index: IncidentIndex; key: string } {
  const { cluster, workload, namespace } = q;
  if (workload?.kind && namespace) {
    return { index: "byWorkload", key: indexKeys.workload(cluster, namespace, workload.kind, workload.name) };
  }
  if (q.node) return { index: "byNode", key: indexKeys.node(cluster, q.node) };
  if (namespace) return { index: "byNamespace", key: indexKeys.namespace(cluster, namespace) };
  if (q.level !== undefined) return { index: "byLevel", key: indexKeys.level(cluster, q.level) };
  return { index: "byCluster", key: indexKeys.cluster(cluster) };
}

/** Builds the Query for `q` on the most selective index; pure, so it is unit-tested directly. */
export function planIncidentQuery(table: string, q: IncidentQuery): QueryPlan {
  const { index, key } = chooseIndex(q);
  const def = INCIDENTS_TABLE.indexes[index];
  const x = new Expression();

  let keyCondition = `${x.name(def.partitionKey)} = ${x.value(key)}`;
  if (q.since && q.until) keyCondition += ` AND ${x.name(def.sortKey)} BETWEEN ${x.value(q.since)} AND ${x.value(q.until + UNTIL_SUFFIX)}`;
  else if (q.since) keyCondition += ` AND ${x.name(def.sortKey)} >= ${x.value(q.since)}`;
  else if (q.until) keyCondition += ` AND ${x.name(def.sortKey)} <= ${x.value(q.until + UNTIL_SUFFIX)}`;

  // Each index key already pins the cluster; only what the index does not cover is filtered.
  const filters: string[] = [];
  if (index !== "byWorkload") {
    if (q.namespace && index !== "byNamespace") filters.push(`${x.name("namespace")} = ${x.value(q.namespace)}`);
    if (q.workload) {
      filters.push(`${x.name("workload", "name")} = ${x.value(q.workload.name)}`);
      if (q.workload.kind) filters.push(`${x.name("workload", "kind")} = ${x.value(q.workload.kind)}`);
    }
  }
  if (q.node && index !== "byNode") filters.push(`${x.name("node")} = ${x.value(q.node)}`);
  if (q.level !== undefined && index !== "byLevel") filters.push(`${x.name("level")} = ${x.value(q.level)}`);
  if (q.kind) filters.push(`${x.name("kind")} = ${x.value(q.kind)}`);
  if (q.status === "resolved") filters.push(`${x.name("status")} = ${x.value("resolved")}`);
  // analyze never writes `status` (the resolver owns it): absent means open.
  if (q.status === "open") filters.push(`(attribute_not_exists(${x.name("status")}) OR ${x.name("status")} = ${x.value("open")})`);

  return {
    index,
    filtered: filters.length > 0,
    input: {
      TableName: table,
      IndexName: def.name,
      KeyConditionExpression: keyCondition,
      ...(filters.length ? { FilterExpression: filters.join(" AND ") } : {}),
      ExpressionAttributeNames: x.names,
      ExpressionAttributeValues: x.values,
      ScanIndexForward: false, // newest first
    },
  };
}

// ---- paging tokens -------------------------------------------------------

/**
 * Opaque token: base64url of the LastEvaluatedKey plus the index it belongs to,
 * so a token from another query is refused instead of silently skipping items.
 */
export function encodeNextToken(index: IncidentIndex, key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify({ i: index, k: key }), "utf8").toString("base64url");
}

const MALFORMED_TOKEN = "malformed --next-token (not a token printed by `oomwatch incidents list`)";

/** The JSON object inside a token, with the index it was made for checked against `index`. */
function openToken(token: string, index: IncidentIndex): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch (err) {
    throw new QueryInputError(MALFORMED_TOKEN, { cause: err });
  }
  const p = parsed as Record<string, unknown> | null;
  if (!p || typeof p !== "object" || Array.isArray(p) || typeof p.i !== "string") throw new QueryInputError(MALFORMED_TOKEN);
  if (p.i !== index) {
    throw new QueryInputError(`--next-token belongs to another query (index ${p.i}, this one uses ${index}): repeat the same filters`);
  }
  return p;
}

const isKey = (k: unknown): k is Record<string, unknown> => typeof k === "object" && k !== null && !Array.isArray(k);

export function decodeNextToken(token: string, index: IncidentIndex): Record<string, unknown> {
  const { k } = openToken(token, index);
  if (!isKey(k)) throw new QueryInputError(MALFORMED_TOKEN);
  return k;
}

/**
 * Token of a page across clusters: per cluster still to read, the key to resume after
 * (null: from its newest incident). A cluster absent from it has nothing more.
 */
type ClusterStarts = Record<string, Record<string, unknown> | null>;

function encodeClustersToken(index: IncidentIndex, starts: ClusterStarts): string {
  return Buffer.from(JSON.stringify({ i: index, c: starts }), "utf8").toString("base64url");
}

function decodeClustersToken(token: string, index: IncidentIndex): ClusterStarts {
  const { c } = openToken(token, index);
  if (!isKey(c) || !Object.values(c).every((k) => k === null || isKey(k))) throw new QueryInputError(MALFORMED_TOKEN);
  return c as ClusterStarts;
}

/** The ExclusiveStartKey that resumes right after `item` on `index`. */
function keyAfter(index: IncidentIndex, item: Record<string, unknown>): Record<string, unknown> {
  const def = INCIDENTS_TABLE.indexes[index];
  const t = INCIDENTS_TABLE;
  return {
    [t.partitionKey]: item[t.partitionKey],
    [t.sortKey]: item[t.sortKey],
    [def.partitionKey]: item[def.partitionKey],
    [def.sortKey]: item[def.sortKey],
  };
}

// ---- reading -------------------------------------------------------------

/** An item on an index that does not validate as an incident (reported, not fatal). */
export interface InvalidItem {
  pk: string;
  error: string;
}

export interface IncidentPage {
  index: IncidentIndex;
  items: Incident[];
  /** Present when more results may follow. */
  nextToken?: string;
  invalid: InvalidItem[];
}

export interface PageOptions {
  /** Maximum incidents returned (after filtering). */
  limit: number;
  nextToken?: string;
}

function parseItem(item: Record<string, unknown>, invalid: InvalidItem[]): Incident | undefined {
  try {
    return fromIncidentItem(item);
  } catch (err) {
    invalid.push({ pk: String(item[INCIDENTS_TABLE.partitionKey]), error: err instanceof Error ? err.message : String(err) });
    return undefined;
  }
}

/**
 * One page of incidents, newest first. Reads further DynamoDB pages until `limit`
 * matching incidents are found (a FilterExpression can leave pages short); the
 * token then resumes right after the last incident returned.
 */
export async function queryIncidents(
  doc: DynamoDBDocumentClient,
  table: string,
  q: IncidentQuery,
  page: PageOptions,
): Promise<IncidentPage> {
  const plan = planIncidentQuery(table, q);
  const startKey = page.nextToken ? decodeNextToken(page.nextToken, plan.index) : undefined;
  const items: Incident[] = [];
  const invalid: InvalidItem[] = [];
  // Unfiltered, DynamoDB's Limit is exact; filtered, read larger pages to need fewer round trips.
  const pageSize = plan.filtered ? Math.max(page.limit, 100) : page.limit;
  const pages = paginateQuery({ client: doc, pageSize }, { ...plan.input, ...(startKey ? { ExclusiveStartKey: startKey } : {}) });
  for await (const result of pages) {
    const raw = result.Items ?? [];
    for (let i = 0; i < raw.length; i++) {
      const item = raw[i]!;
      const incident = parseItem(item, invalid);
      if (incident) items.push(incident);
      if (items.length === page.limit) {
        const more = i < raw.length - 1 || result.LastEvaluatedKey !== undefined;
        return { index: plan.index, items, invalid, ...(more ? { nextToken: encodeNextToken(plan.index, keyAfter(plan.index, item)) } : {}) };
      }
    }
  }
  return { index: plan.index, items, invalid };
}

/** Newest first across clusters: the order of the indexes' sort key `timeKey`. */
function newerFirst(a: Incident, b: Incident): number {
  const ka = indexKeys.time(a.firstSeen, a.id);
  const kb = indexKeys.time(b.firstSeen, b.id);
  return ka < kb ? 1 : ka > kb ? -1 : 0;
}

/**
 * One page of the incidents of several clusters matching `q`, newest first. Each cluster
 * is its own Query (the index keys pin the cluster); their pages are merged and cut at
 * `limit`, and the token records where each cluster stops, so nothing is skipped or repeated.
 */
export async function queryIncidentsInClusters(
  doc: DynamoDBDocumentClient,
  table: string,
  clusters: readonly string[],
  q: Omit<IncidentQuery, "cluster">,
  page: PageOptions,
): Promise<IncidentPage> {
  const index = planIncidentQuery(table, { ...q, cluster: "" }).index; // the choice never depends on the cluster
  const starts: ClusterStarts = page.nextToken ? decodeClustersToken(page.nextToken, index) : Object.fromEntries(clusters.map((c) => [c, null]));
  const pages = await Promise.all(
    Object.entries(starts).map(async ([cluster, start]) => {
      const resume = start ? { nextToken: encodeNextToken(index, start) } : {};
      return { cluster, start, page: await queryIncidents(doc, table, { ...q, cluster }, { limit: page.limit, ...resume }) };
    }),
  );
  const items = pages.flatMap((p) => p.page.items).sort(newerFirst).slice(0, page.limit);
  const shown = new Set(items);
  const next: ClusterStarts = {};
  for (const { cluster, start, page: p } of pages) {
    const taken = p.items.filter((i) => shown.has(i)).length; // a prefix: both are newest first
    if (taken < p.items.length) next[cluster] = taken === 0 ? start : keyAfter(index, toIncidentItem(p.items[taken - 1]!));
    else if (p.nextToken) next[cluster] = decodeNextToken(p.nextToken, index);
  }
  const invalid = pages.flatMap((p) => p.page.invalid);
  return { index, items, invalid, ...(Object.keys(next).length ? { nextToken: encodeClustersToken(index, next) } : {}) };
}

/** Every incident matching `q`, newest first, page by page (for stats). */
export async function* iterateIncidents(
  doc: DynamoDBDocumentClient,
  table: string,
  q: IncidentQuery,
  invalid: InvalidItem[] = [],
): AsyncGenerator<Incident> {
  const plan = planIncidentQuery(table, q);
  for await (const result of paginateQuery({ client: doc }, plan.input)) {
    for (const item of result.Items ?? []) {
      const incident = parseItem(item, invalid);
      if (incident) yield incident;
    }
  }
}

/** One incident by id (GetItem on the table key); undefined when there is none. */
export async function getIncident(doc: DynamoDBDocumentClient, table: string, id: string): Promise<Incident | undefined> {
  const t = INCIDENTS_TABLE;
  const { Item } = await doc.send(new GetCommand({ TableName: table, Key: { [t.partitionKey]: incidentPk(id), [t.sortKey]: INCIDENT_SK } }));
  return Item ? fromIncidentItem(Item) : undefined;
}

/**
 * Incidents of a cluster whose id starts with `prefix` (at most `limit`): a byCluster Query
 * with a filter, so `incidents show 3f2a` works without a Scan.
 */
export async function findIncidentsByIdPrefix(doc: DynamoDBDocumentClient, table: string, cluster: string, prefix: string, limit = 10): Promise<Incident[]> {
  const index = INCIDENTS_TABLE.indexes.byCluster;
  const out: Incident[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new QueryCommand({
        TableName: table,
        IndexName: index.name,
        KeyConditionExpression: "#pk = :cluster",
        FilterExpression: "begins_with(#id, :prefix)",
        ExpressionAttributeNames: { "#pk": index.partitionKey, "#id": "id" },
        ExpressionAttributeValues: { ":cluster": indexKeys.cluster(cluster), ":prefix": prefix },
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      if (out.length < limit) out.push(fromIncidentItem(item));
    }
    start = page.LastEvaluatedKey;
  } while (start && out.length < limit);
  return out;
}

/** The occurrences grouped into an incident, oldest first (Query on the incident's partition). */
export function listOccurrences(doc: DynamoDBDocumentClient, table: string, id: string): Promise<Member[]> {
  return new PipelineStore(doc, table).listMembers(id);
}

/** One cluster of the table: its top-level incidents (as stats counts them), open ones, the latest occurrence. */
export interface ClusterSummary {
  cluster: string;
  incidents: number;
  open: number;
  /** Greatest `lastSeen` of its incidents (node-OOM victims included), UTC ISO. */
  latest: string;
}

/**
 * Every cluster that has incidents, by name. The one Scan of this module (of the byCluster
 * index, a few attributes per incident): fine for the sandbox's local data dir, a full read
 * of the table in AWS, so the CLI only runs it against a local data dir.
 */
export async function scanClusters(doc: DynamoDBDocumentClient, table: string): Promise<ClusterSummary[]> {
  const byName = new Map<string, ClusterSummary>();
  const pages = paginateScan(
    { client: doc },
    {
      TableName: table,
      IndexName: INCIDENTS_TABLE.indexes.byCluster.name,
      ProjectionExpression: "#cluster, #status, #lastSeen, #partOf",
      ExpressionAttributeNames: { "#cluster": "cluster", "#status": "status", "#lastSeen": "lastSeen", "#partOf": "partOf" },
    },
  );
  for await (const result of pages) {
    for (const item of result.Items ?? []) {
      const { cluster, status, lastSeen, partOf } = item as { cluster?: unknown; status?: unknown; lastSeen?: unknown; partOf?: unknown };
      if (typeof cluster !== "string" || typeof lastSeen !== "string") continue; // not an incident: `list` reports those
      const c = byName.get(cluster) ?? { cluster, incidents: 0, open: 0, latest: lastSeen };
      // Top-level only, like stats; `status` absent means open (analyze never writes it).
      if (!partOf) {
        c.incidents += 1;
        if (status !== "resolved") c.open += 1;
      }
      if (lastSeen > c.latest) c.latest = lastSeen;
      byName.set(cluster, c);
    }
  }
  return [...byName.values()].sort((a, b) => a.cluster.localeCompare(b.cluster));
}
