/**
 * DynamoDB operations on the grouping state (layout in pipeline-items.ts).
 * Single-item conditional writes only: the local emulator has no transactions,
 * and every write is safe to repeat after a crash.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, type QueryCommandOutput, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { isConditionFailure } from "./conditions.ts";
import { INCIDENT_SK, incidentPk, indexKeys } from "./incident-item.ts";
import type { Member } from "../domain/members.ts";
import { shiftIso, utc } from "../time.ts";
import { GROUP_SK, type GroupState, MEMBER_PREFIX, type NodeLogEntry, type OccurrenceMarker, pipelineKeys, WINDOW_STATE_DAYS } from "./pipeline-items.ts";
import { expiresAt } from "./ttl.ts";
import { batchGetItems } from "./batch-get.ts";
import { batchPutItems } from "./batch-write.ts";

const strip = <T>(item: Record<string, unknown>): T => {
  const { pk: _pk, sk: _sk, expiresAt: _e, ...rest } = item;
  return rest as T;
};

export class PipelineStore {
  constructor(
    readonly doc: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  private async get(key: { pk: string; sk: string }): Promise<Record<string, unknown> | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    return out.Item;
  }

  async getOccurrence(key: string): Promise<OccurrenceMarker | undefined> {
    const item = await this.get(pipelineKeys.occurrence(key));
    return item ? strip<OccurrenceMarker>(item) : undefined;
  }

  /** Records the occurrence's incident unless it already has one; returns the marker that won and whether it is ours. */
  async claimOccurrence(marker: OccurrenceMarker): Promise<{ marker: OccurrenceMarker; won: boolean }> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...pipelineKeys.occurrence(marker.key), ...marker, expiresAt: expiresAt(marker.occurredAt) },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
      return { marker, won: true };
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      const existing = await this.getOccurrence(marker.key);
      if (!existing) throw new Error(`occurrence ${marker.key} vanished while claiming it`);
      return { marker: existing, won: false };
    }
  }

  async getGroup(groupKey: string): Promise<GroupState | undefined> {
    const item = await this.get(pipelineKeys.group(groupKey));
    return item ? strip<GroupState>(item) : undefined;
  }

  /**
   * Writes the group (incident choice, running tally, counted keys) if nobody wrote it since
   * it was read: `read` is the item as read (undefined: there was none). False when another
   * writer came first: re-read and decide again.
   */
  async putGroup(next: GroupState, read: GroupState | undefined): Promise<boolean> {
    const condition =
      read === undefined
        ? { ConditionExpression: "attribute_not_exists(pk)" }
        : read.version === undefined
          ? { ConditionExpression: "attribute_not_exists(version)" }
          : { ConditionExpression: "version = :v", ExpressionAttributeValues: { ":v": read.version } };
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...pipelineKeys.group(next.groupKey), ...next, version: (read?.version ?? 0) + 1, expiresAt: expiresAt(next.lastSeen) },
          ...condition,
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  /** Occurrence markers and groups by key, in one BatchGet per 100 (ingest reads both for its batch at once). */
  async getOccurrencesAndGroups(keys: string[], groupKeys: string[]): Promise<{ markers: Map<string, OccurrenceMarker>; groups: Map<string, GroupState> }> {
    const items = await batchGetItems(this.doc, this.tableName, [...keys.map(pipelineKeys.occurrence), ...groupKeys.map(pipelineKeys.group)], { consistent: true });
    const markers = new Map<string, OccurrenceMarker>();
    const groups = new Map<string, GroupState>();
    for (const item of items) {
      if (item.sk === GROUP_SK) {
        const g = strip<GroupState>(item);
        groups.set(g.groupKey, g);
      } else {
        const m = strip<OccurrenceMarker>(item);
        markers.set(m.key, m);
      }
    }
    return { markers, groups };
  }

  /**
   * Puts items built by the *Item methods below in as few requests as possible (BatchWrite): each
   * of them is an unconditional, idempotent put, so a retry after a crash writes the same again.
   */
  async putItems(items: Record<string, unknown>[]): Promise<void> {
    await batchPutItems(this.doc, this.tableName, items);
  }

  memberItem(incidentId: string, member: Member): Record<string, unknown> {
    return { ...pipelineKeys.member(incidentId, member.occurredAt, member.key), ...member, expiresAt: expiresAt(member.occurredAt) };
  }

  /** The node log entry, and for a NodeOOM its copy in the node's NodeOOM partition. */
  nodeLogItems(cluster: string, node: string, entry: NodeLogEntry): Record<string, unknown>[] {
    const pks = [pipelineKeys.nodeLog(cluster, node), ...(entry.kind === "NodeOOM" ? [pipelineKeys.nodeOoms(cluster, node)] : [])];
    return pks.map((pk) => ({ pk, sk: pipelineKeys.timed(entry.occurredAt, entry.key), ...entry, expiresAt: expiresAt(entry.occurredAt, WINDOW_STATE_DAYS) }));
  }

  clusterEvictionItem(cluster: string, key: string, occurredAt: string): Record<string, unknown> {
    return { pk: pipelineKeys.clusterEvictions(cluster), sk: pipelineKeys.timed(occurredAt, key), expiresAt: expiresAt(occurredAt, WINDOW_STATE_DAYS) };
  }

  /**
   * The marker of a fully ingested occurrence (`marker`: as claimed or read), as a whole item, so
   * it can go into one BatchWrite with the batch's other markers.
   * Only the occurrence's own ingest writes its marker after the claim, so a put loses nothing.
   */
  doneMarkerItem(marker: OccurrenceMarker, doneAt?: string): Record<string, unknown> {
    return { ...pipelineKeys.occurrence(marker.key), ...marker, state: "done", ...(doneAt ? { doneAt } : {}), expiresAt: expiresAt(marker.occurredAt) };
  }

  async putMember(incidentId: string, member: Member): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: this.memberItem(incidentId, member) }));
  }

  /** Every member of an incident, oldest first. */
  async listMembers(incidentId: string): Promise<Member[]> {
    return (await this.queryAll(incidentPk(incidentId), MEMBER_PREFIX, `${MEMBER_PREFIX}\uffff`)).map((i) => strip<Member>(i));
  }

  /** How many members an incident has (a COUNT query: no items returned). */
  async countMembers(incidentId: string): Promise<number> {
    let count = 0;
    await this.query(incidentPk(incidentId), MEMBER_PREFIX, `${MEMBER_PREFIX}\uffff`, "COUNT", (page) => {
      count += page.Count ?? 0;
    });
    return count;
  }

  /** Node log entries with `from <= occurredAt <= to`; `nodeOomsOnly`: just its NodeOOM entries (not every container OOM on the node). */
  async queryNodeLog(cluster: string, node: string, from: string, to: string, nodeOomsOnly = false): Promise<NodeLogEntry[]> {
    const pk = nodeOomsOnly ? pipelineKeys.nodeOoms(cluster, node) : pipelineKeys.nodeLog(cluster, node);
    const items = await this.queryAll(pk, utc(from), `${utc(to)}\uffff`);
    return items.map((i) => strip<NodeLogEntry>(i));
  }

  /** Every eviction in the cluster within [from, to] (reads them all: for tests and tools, not the pipeline). */
  async countClusterEvictions(cluster: string, from: string, to: string): Promise<number> {
    let count = 0;
    await this.query(pipelineKeys.clusterEvictions(cluster), utc(from), `${utc(to)}\uffff`, "COUNT", (page) => {
      count += page.Count ?? 0;
    });
    return count;
  }

  /**
   * For each time in `ats`: the cluster's evictions in the `windowMinutes` up to it, counted only as
   * far as the threshold check needs (`count` + 1, "more than count"); `capped`: counting stopped
   * there, there may be more. One Query, newest first from the latest time, that stops once every
   * time has its answer: it reads the entries between the earliest and the latest time plus at most
   * `count` + 1 more, however many evictions the window holds (an unbounded count read all of them,
   * once per occurrence of a storm).
   */
  async clusterEvictionsNear(cluster: string, ats: string[], threshold: { count: number; windowMinutes: number }): Promise<Array<{ count: number; capped: boolean }>> {
    const upTo = threshold.count + 1;
    const asks = ats.map((at) => ({ from: utc(shiftIso(at, -threshold.windowMinutes * 60_000)), to: `${utc(at)}\uffff`, count: 0 }));
    const from = asks.map((a) => a.from).sort()[0];
    const to = asks.map((a) => a.to).sort().at(-1);
    if (from === undefined || to === undefined) return [];
    let oldest = to;
    // Newest first: once the pages have gone below an ask's window, that ask is complete. Each page
    // reads only as many entries as the least answered ask still needs.
    const open = () => asks.filter((a) => a.count < upTo && oldest >= a.from);
    let start: Record<string, unknown> | undefined;
    let limit = upTo;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: "pk = :pk AND sk BETWEEN :a AND :b",
          ExpressionAttributeValues: { ":pk": pipelineKeys.clusterEvictions(cluster), ":a": from, ":b": to },
          ProjectionExpression: "sk",
          ScanIndexForward: false,
          ExclusiveStartKey: start,
          ConsistentRead: true,
          Limit: limit,
        }),
      );
      for (const item of page.Items ?? []) {
        const sk = String(item.sk);
        for (const a of asks) if (a.count < upTo && sk >= a.from && sk <= a.to) a.count++;
        oldest = sk;
      }
      start = page.LastEvaluatedKey;
      limit = Math.max(0, ...open().map((a) => upTo - a.count));
    } while (start && limit > 0);
    return asks.map((a) => ({ count: a.count, capped: a.count >= upTo }));
  }

  /** One attribute of the stored incident item (only that attribute is read), undefined when absent. */
  private async incidentAttribute(incidentId: string, name: string): Promise<unknown> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: incidentPk(incidentId), sk: INCIDENT_SK },
        ConsistentRead: true,
        ProjectionExpression: "#a",
        ExpressionAttributeNames: { "#a": name },
      }),
    );
    return out.Item?.[name];
  }

  /** The stored incident's `warnedAt` (first Level 0 warning), if any. */
  async getIncidentWarnedAt(incidentId: string): Promise<string | undefined> {
    const warnedAt = await this.incidentAttribute(incidentId, "warnedAt");
    return typeof warnedAt === "string" ? warnedAt : undefined;
  }

  /** How many occurrences the stored incident counted, or undefined before analyze first wrote it. */
  async getIncidentOccurrences(incidentId: string): Promise<number | undefined> {
    const occurrences = await this.incidentAttribute(incidentId, "occurrences");
    return typeof occurrences === "number" ? occurrences : undefined;
  }

  /** The stored levels of several incidents (only `level` is read): one BatchGet; absent = not analysed yet. */
  async getIncidentLevels(incidentIds: string[]): Promise<Map<string, number>> {
    const keys = incidentIds.map((id) => ({ pk: incidentPk(id), sk: INCIDENT_SK }));
    const items = await batchGetItems(this.doc, this.tableName, keys, { consistent: true, attributes: ["pk", "level"] });
    const levels = new Map<string, number>();
    for (const i of items) if (typeof i.level === "number") levels.set(String(i.pk).slice(incidentPk("").length), i.level);
    return levels;
  }

  /** The raw incident item (with storage attributes), or undefined before analyze first wrote it. */
  async getIncidentItem(incidentId: string): Promise<Record<string, unknown> | undefined> {
    return this.get({ pk: incidentPk(incidentId), sk: INCIDENT_SK });
  }

  /**
   * A plain repeat: moves the stored incident's count, lastSeen and pod/container lists
   * forward without re-analysing it. Only when the item exists and only forward
   * (members are the truth; a stale bump loses the condition).
   */
  async advanceIncidentCounts(
    incidentId: string,
    counts: { occurrences: number; lastSeen: string; pods: string[]; containers: string[]; evictions?: number },
    now: string,
  ): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: incidentPk(incidentId), sk: INCIDENT_SK },
          // openSort follows lastSeen so the resolver sees the incident as busy (harmless once resolved: no openKey).
          UpdateExpression: `SET occurrences = :n, lastSeen = :t, openSort = :os, pods = :pods, containers = :cs, updatedAt = :now, expiresAt = :exp${
            counts.evictions ? ", facts.evictions = :ev" : ""
          }`,
          ConditionExpression: "attribute_exists(pk) AND occurrences < :n",
          ExpressionAttributeValues: {
            ":n": counts.occurrences,
            ":t": counts.lastSeen,
            ":os": indexKeys.time(counts.lastSeen, incidentId),
            ":pods": counts.pods,
            ":cs": counts.containers,
            ":now": now,
            ":exp": expiresAt(counts.lastSeen),
            ...(counts.evictions ? { ":ev": counts.evictions } : {}),
          },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  private async queryAll(pk: string, from: string, to: string): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    await this.query(pk, from, to, "ALL_ATTRIBUTES", (page) => {
      out.push(...(page.Items ?? []));
    });
    return out;
  }

  /** Every page of `pk` with `from <= sk <= to` (consistent reads: retries must see their own writes). */
  private async query(
    pk: string,
    from: string,
    to: string,
    select: "COUNT" | "ALL_ATTRIBUTES",
    onPage: (page: QueryCommandOutput) => void,
  ) {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: "pk = :pk AND sk BETWEEN :a AND :b",
          ExpressionAttributeValues: { ":pk": pk, ":a": from, ":b": to },
          Select: select,
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      );
      onPage(page);
      start = page.LastEvaluatedKey;
    } while (start);
  }
}
