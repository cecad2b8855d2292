/**
 * The incident item's `slack` attribute — the only attribute notify writes —
 * plus a short posting lease, all with single-item conditional writes so that
 * concurrent or repeated deliveries post the parent message exactly once.
 *
 * `slack` = { channel, ts, permalink?, revision, level, missingChannel?, ops?, victims?, partOf? }.
 * IncidentSchema.slack reads channel/ts/permalink and ignores the rest. For a node-OOM
 * victim posted only as a reply in the node incident's thread, channel/ts are that reply's.
 * `slackLease` = { by, until }: who is posting right now (epoch ms).
 */
import { GetCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as z from "../../shared/schema/zod.ts";
import { integer } from "../../shared/schema/zod.ts";
import { type Incident, LevelSchema } from "../../shared/schema/incident.ts";
import { isConditionFailure } from "../../shared/storage/conditions.ts";
import { fromIncidentItem, INCIDENT_SK, incidentPk } from "../../shared/storage/incident-item.ts";
import { removeFromOpen } from "../../shared/storage/lifecycle.ts";

export const MessageRefSchema = z.object({ channel: z.string(), ts: z.string() });
export type MessageRef = z.infer<typeof MessageRefSchema>;

export const SlackRefSchema = z.extend(MessageRefSchema, {
  permalink: z.optional(z.string()),
  /** Newest NotifyRequest.revision shown in Slack. */
  revision: z._default(integer, 0),
  /** Level the messages show (an escalation is a level above it). */
  level: z._default(LevelSchema, 1),
  /** Routed channel that did not work, when the parent went to the default channel. */
  missingChannel: z.optional(z.string()),
  /** Level 3 copy in the ops channel. */
  ops: z.optional(MessageRefSchema),
  /** NodeOOM: number of victims the parent lists. */
  victims: z.optional(integer),
  /** The first thread reply: full runbook and evidence (posted once). */
  runbook: z.optional(MessageRefSchema),
  /** The thread reply that says the incident is resolved (posted once). */
  resolved: z.optional(MessageRefSchema),
  /** Node-OOM victim: its reply in the node OOM incident's thread (posted once). */
  partOf: z.optional(z.object({ incidentId: z.string(), thread: MessageRefSchema, reply: MessageRefSchema, permalink: z.optional(z.string()) })),
  /** Revision whose memory chart was uploaded into the thread (or skipped for good): at most one per revision. */
  chartRevision: z.optional(integer),
});
export type SlackRef = z.infer<typeof SlackRefSchema>;
export type PartOfRef = NonNullable<SlackRef["partOf"]>;

/** A victim whose only message is its reply in the node incident's thread (no parent of its own). */
export const isReplyOnly = (ref: SlackRef): boolean => ref.partOf !== undefined && ref.partOf.reply.ts === ref.ts && ref.partOf.reply.channel === ref.channel;

export type LeaseResult = { state: "acquired" } | { state: "posted"; ref: SlackRef } | { state: "busy" } | { state: "missing" };

export class SlackRefStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private key(id: string) {
    return { pk: incidentPk(id), sk: INCIDENT_SK };
  }

  /** The stored reference; `null` when the incident has none yet, `undefined` when the incident does not exist. */
  async read(id: string): Promise<SlackRef | null | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: this.key(id), ConsistentRead: true, ProjectionExpression: "pk, slack" }));
    if (!Item) return undefined;
    return Item.slack ? SlackRefSchema.parse(Item.slack) : null;
  }

  /**
   * Takes the right to post the parent. A redelivery of the same SQS message (`by`)
   * may take over its own lease at once (the previous attempt died); others wait
   * until it expires.
   */
  async acquireLease(id: string, by: string, now: number, leaseMs: number): Promise<LeaseResult> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(id),
          UpdateExpression: "SET slackLease = :lease",
          ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(slack) AND (attribute_not_exists(slackLease) OR slackLease.#until < :now OR slackLease.#by = :by)",
          ExpressionAttributeNames: { "#until": "until", "#by": "by" },
          ExpressionAttributeValues: { ":lease": { by, until: now + leaseMs }, ":now": now, ":by": by },
        }),
      );
      return { state: "acquired" };
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
      const ref = await this.read(id);
      if (ref === undefined) return { state: "missing" };
      return ref ? { state: "posted", ref } : { state: "busy" };
    }
  }

  /** Stores the parent's reference once; returns the winner's reference if someone stored first. */
  async storeParent(id: string, ref: SlackRef): Promise<{ stored: true } | { stored: false; existing: SlackRef | null | undefined }> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(id),
          UpdateExpression: "SET slack = :ref REMOVE slackLease",
          ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(slack)",
          ExpressionAttributeValues: { ":ref": ref },
        }),
      );
      return { stored: true };
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
      return { stored: false, existing: await this.read(id) };
    }
  }

  /** The whole stored incident and its reference; undefined when absent or unreadable. */
  async readIncident(id: string): Promise<{ incident: Incident; ref: SlackRef | null } | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: this.key(id), ConsistentRead: true }));
    if (!Item) return undefined;
    try {
      return { incident: fromIncidentItem(Item), ref: Item.slack ? SlackRefSchema.parse(Item.slack) : null };
    } catch {
      return undefined; // only ingest's count bump so far: analyze has not written it yet
    }
  }

  /**
   * Records what Slack now shows (revision, level and the number of victims listed only
   * grow); a newer state stored concurrently wins.
   */
  async recordProgress(id: string, parentTs: string, revision: number, level: number, victims = 0): Promise<boolean> {
    const withVictims = victims > 0;
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(id),
          UpdateExpression: `SET slack.revision = :rev, slack.#level = :level${withVictims ? ", slack.#victims = :victims" : ""}`,
          ConditionExpression: `slack.ts = :ts AND (attribute_not_exists(slack.revision) OR slack.revision < :rev OR slack.#level < :level${
            withVictims ? " OR attribute_not_exists(slack.#victims) OR slack.#victims < :victims" : ""
          })`,
          ExpressionAttributeNames: { "#level": "level", ...(withVictims ? { "#victims": "victims" } : {}) },
          ExpressionAttributeValues: { ":rev": revision, ":level": level, ":ts": parentTs, ...(withVictims ? { ":victims": victims } : {}) },
        }),
      );
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  }

  /**
   * Claims the chart upload of `revision` before uploading (at most once per revision, even when
   * the record is retried after the upload); false when this or a newer revision has it already.
   */
  async claimChart(id: string, parentTs: string, revision: number): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(id),
          UpdateExpression: "SET slack.chartRevision = :rev",
          ConditionExpression: "slack.ts = :ts AND (attribute_not_exists(slack.chartRevision) OR slack.chartRevision < :rev)",
          ExpressionAttributeValues: { ":rev": revision, ":ts": parentTs },
        }),
      );
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  }

  /** Gives a claimed revision back after a failed upload that may work later (rate limit, timeout). */
  async releaseChart(id: string, parentTs: string, revision: number, previous: number | undefined): Promise<void> {
    await this.doc
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(id),
          UpdateExpression: previous === undefined ? "REMOVE slack.chartRevision" : "SET slack.chartRevision = :prev",
          ConditionExpression: "slack.ts = :ts AND slack.chartRevision = :rev",
          ExpressionAttributeValues: { ":rev": revision, ":ts": parentTs, ...(previous === undefined ? {} : { ":prev": previous }) },
        }),
      )
      .catch((e) => {
        if (!isConditionFailure(e)) throw e;
      });
  }

  /** Links a victim that has its own parent to its reply in the node incident's thread, once. */
  async storePartOf(id: string, parentTs: string, partOf: PartOfRef): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(id),
          UpdateExpression: "SET slack.partOf = :p",
          ConditionExpression: "slack.ts = :ts AND attribute_not_exists(slack.partOf)",
          ExpressionAttributeValues: { ":p": partOf, ":ts": parentTs },
        }),
      );
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  }

  /** Slack shows the incident resolved: the resolver stops asking (byOpen index). */
  async closed(id: string): Promise<void> {
    await removeFromOpen(this.doc, this.tableName, id);
  }

  /** Stores the ops copy's reference once. */
  async storeOps(id: string, parentTs: string, ops: MessageRef): Promise<boolean> {
    return this.storeOnce(id, parentTs, "ops", ops);
  }

  /** Stores a once-per-incident thread reply's reference (`runbook`, `resolved`); false when one is stored already. */
  async storeReply(id: string, parentTs: string, role: "runbook" | "resolved", reply: MessageRef): Promise<boolean> {
    return this.storeOnce(id, parentTs, role, reply);
  }

  private async storeOnce(id: string, parentTs: string, field: "ops" | "runbook" | "resolved", ref: MessageRef): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(id),
          UpdateExpression: "SET slack.#f = :ref",
          ConditionExpression: "slack.ts = :ts AND attribute_not_exists(slack.#f)",
          ExpressionAttributeNames: { "#f": field },
          ExpressionAttributeValues: { ":ref": ref, ":ts": parentTs },
        }),
      );
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  }
}

/**
 * Drops every posting lease in the table. Only for a pipeline that is the table's single user and
 * has just started (the sandbox on its data dir): every lease then belongs to a process that was
 * killed, and waiting for it to expire would hold that incident's notifications back by a whole
 * visibility timeout. A parent the dead process did post is found by the recovery lookup.
 */
export async function releaseDeadLeases(doc: DynamoDBDocumentClient, tableName: string): Promise<number> {
  let released = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new ScanCommand({ TableName: tableName, FilterExpression: "attribute_exists(slackLease)", ProjectionExpression: "pk, sk", ExclusiveStartKey: start }),
    );
    for (const key of page.Items ?? []) {
      try {
        await doc.send(
          new UpdateCommand({ TableName: tableName, Key: { pk: key.pk, sk: key.sk }, UpdateExpression: "REMOVE slackLease", ConditionExpression: "attribute_exists(slackLease)" }),
        );
        released += 1;
      } catch (e) {
        if (!isConditionFailure(e)) throw e;
      }
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return released;
}
