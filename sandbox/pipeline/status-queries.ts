/**
 * What the sandbox reads to show progress and write its report: queue depths, the
 * incidents the observed occurrences led to (through their occurrence markers), dead
 * letters, Slack counters and latencies. Reads only; nothing here changes the pipeline.
 */
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Forwarder } from "../../forwarder/forwarder.ts";
import type { QueueId } from "../../shared/resources.ts";
import { batchGetItems } from "../../shared/storage/batch-get.ts";
import { fromIncidentItem, INCIDENT_SK, incidentPk } from "../../shared/storage/incident-item.ts";
import { type OccurrenceMarker, pipelineKeys } from "../../shared/storage/pipeline-items.ts";
import { incidentIdFor } from "../../shared/domain/grouping.ts";
import { pendingMessages, queueCounts } from "../lambda-runner/queue-counts.ts";
import type { RedeliveryStats, WaitingRecords } from "../lambda-runner.ts";
import type { QueueUrls } from "../local-aws.ts";
import { type LatencySample, latencySummary, type PipelineReport } from "../report.ts";
import type { SlackSink } from "../slack-sink.ts";
import { longestParent } from "../slack-sink/render.ts";
import type { StatusSnapshot } from "../status.ts";

export interface StatusQueryDeps {
  sqs: SQSClient;
  doc: DynamoDBDocumentClient;
  tableName: string;
  queues: Record<QueueId, QueueUrls>;
  /** The running forwarder (it changes on a restart). */
  forwarder: () => Forwarder;
  slackSink?: SlackSink;
  /** When each incident's notify record was handled (see wiring.ts). */
  notifiedAt: ReadonlyMap<string, readonly number[]>;
  /** When each occurrence's analysis request was handled, by occurrence key (see wiring.ts). */
  analyzedAt: ReadonlyMap<string, number>;
  /** Severity events the local EventBridge sink received so far. */
  severityEvents: () => number;
  startedAt: number;
  /** The runner's failed records awaiting redelivery, per function (with its queue URL). */
  waiting?: () => Record<string, WaitingRecords & { queueUrl: string }>;
  redeliveries?: () => RedeliveryStats;
}

type Levels = { "0": number; "1": number; "2": number; "3": number };
type IdsByLevel = PipelineReport["incidentIds"];

const counts = (ids: IdsByLevel): Levels => ({ "0": ids["0"].length, "1": ids["1"].length, "2": ids["2"].length, "3": ids["3"].length });

export class StatusQueries {
  private readonly observed: LatencySample[] = [];
  private readonly observedKeys: string[] = [];
  /**
   * Occurrence key -> incident id, for the live status: each refresh looks up only the
   * occurrences it has not resolved yet. The final report reads every marker afresh.
   */
  private readonly resolved = new Map<string, string>();

  constructor(private readonly deps: StatusQueryDeps) {}

  /** Notes an occurrence the forwarder observed (its `observed` event). */
  recordObserved(o: { key: string; observedAt: string }): void {
    this.observed.push({ observedAt: Date.parse(o.observedAt), incidentId: undefined });
    this.observedKeys.push(o.key);
  }

  /** Messages not yet handled: the forwarder's outbox plus every queue's visible and in-flight messages. */
  async pending(): Promise<number> {
    let n = this.deps.forwarder().stats().outbox;
    for (const id of this.queueIds()) n += pendingMessages(await queueCounts(this.deps.sqs, this.deps.queues[id].url));
    return n;
  }

  async status(phase: string): Promise<StatusSnapshot> {
    const { sqs, queues } = this.deps;
    const q: StatusSnapshot["queues"] = {};
    const waiting = Object.values(this.deps.waiting?.() ?? {});
    for (const id of this.queueIds()) {
      const c = await queueCounts(sqs, queues[id].url);
      const dlq = pendingMessages(await queueCounts(sqs, queues[id].dlqUrl));
      q[id] = { visible: Math.max(0, c.visible - c.inFlight), inFlight: c.inFlight, dlq };
      const w = waiting.find((x) => x.queueUrl === queues[id].url);
      if (w && w.count > 0 && w.nextVisibleAt !== undefined && w.lastVisibleAt !== undefined) {
        q[id].awaitingRetry = { count: w.count, nextVisibleAt: w.nextVisibleAt, lastVisibleAt: w.lastVisibleAt };
      }
    }
    const stats = this.deps.forwarder().stats();
    return {
      elapsedMs: Date.now() - this.deps.startedAt,
      now: Date.now(),
      phase,
      observed: { ...stats.observed },
      forwarded: stats.sent,
      queues: q,
      incidents: counts(await this.incidentIdsByLevel()),
      slack: this.slackCounters(),
    };
  }

  /** Every queue's counts, e.g. `analyze 2 visible, 1 in flight (ApproximateNumberOfMessagesNotVisible)`: for a drain that is stuck. */
  async describeQueues(): Promise<string> {
    const parts: string[] = [`forwarder outbox ${this.deps.forwarder().stats().outbox}`];
    for (const id of this.queueIds()) {
      const c = await queueCounts(this.deps.sqs, this.deps.queues[id].url);
      parts.push(`${id} queue ${Math.max(0, c.visible - c.inFlight)} visible, ${c.inFlight} in flight or invisible, ${c.delayed} delayed`);
    }
    return parts.join(", ");
  }

  async report(scenario: string): Promise<PipelineReport> {
    const stats = this.deps.forwarder().stats();
    const markers = await this.markersOf(this.observedKeys);
    const samples = this.observed.map((s, i): LatencySample => {
      const key = this.observedKeys[i] as string;
      const m = markers.get(key);
      return {
        ...s,
        incidentId: m?.incidentId,
        opened: m !== undefined && m.incidentId === incidentIdFor(m.groupKey, key),
        doneAt: m?.doneAt ? Date.parse(m.doneAt) : undefined,
        analyzedAt: this.deps.analyzedAt.get(key),
      };
    });
    const incidentIds = await this.incidentIdsByLevel();
    return {
      scenario,
      observed: Object.values(stats.observed).reduce((a, b) => a + b, 0),
      observedByKind: { ...stats.observed },
      forwarded: stats.sent,
      incidents: counts(incidentIds),
      incidentIds,
      slack: { ...this.slackCounters(), ...(this.deps.slackSink ? { longestParent: longestParent(this.deps.slackSink.messages()) } : {}) },
      deadLetters: await this.deadLetters(),
      latencyMs: latencySummary(samples, this.deps.notifiedAt),
      durationMs: Date.now() - this.deps.startedAt,
      severityEvents: this.deps.severityEvents(),
      ...(this.deps.redeliveries ? { redeliveries: this.deps.redeliveries() } : {}),
    };
  }

  private queueIds(): QueueId[] {
    return Object.keys(this.deps.queues) as QueueId[];
  }

  private batchGet(keys: Array<{ pk: string; sk: string }>): Promise<Record<string, unknown>[]> {
    return batchGetItems(this.deps.doc, this.deps.tableName, keys);
  }

  /** The occurrence markers of `keys` (fresh reads), by key; they also refresh the live status's cache. */
  private async markersOf(keys: string[]): Promise<Map<string, OccurrenceMarker>> {
    const out = new Map<string, OccurrenceMarker>();
    for (const item of await this.batchGet([...new Set(keys)].map(pipelineKeys.occurrence))) {
      const m = item as unknown as OccurrenceMarker;
      if (typeof m.key !== "string" || typeof m.incidentId !== "string") continue;
      out.set(m.key, m);
      this.resolved.set(m.key, m.incidentId);
    }
    return out;
  }

  /** Incident ids of the occurrences seen in this run (occurrence marker items), in observation order. */
  private async incidentIdsOf(keys: string[], fresh = false): Promise<Array<string | undefined>> {
    const wanted = [...new Set(keys)].filter((k) => fresh || !this.resolved.has(k));
    for (const item of await this.batchGet(wanted.map(pipelineKeys.occurrence))) {
      // The marker item carries its occurrence key (OccurrenceMarker.key): no need to parse the pk.
      if (typeof item.key === "string" && typeof item.incidentId === "string") this.resolved.set(item.key, item.incidentId);
    }
    return keys.map((k) => this.resolved.get(k));
  }

  /** The run's stored top-level incidents by their current level, ids sorted (a batch read returns them in any order). */
  private async incidentIdsByLevel(fresh = false): Promise<IdsByLevel> {
    const ids = [...new Set((await this.incidentIdsOf(this.observedKeys, fresh)).filter((x): x is string => !!x))];
    // Level 0: early warnings (MemoryNearLimit, NodeMemoryHigh), listed like the paging levels.
    const levels: IdsByLevel = { "0": [], "1": [], "2": [], "3": [] };
    for (const item of await this.batchGet(ids.map((id) => ({ pk: incidentPk(id), sk: INCIDENT_SK })))) {
      const incident = fromIncidentItem(item);
      // Node-OOM victims are part of the node OOM incident: top-level incidents only.
      if (incident.partOf) continue;
      levels[String(incident.level) as keyof IdsByLevel].push(incident.id);
    }
    for (const list of Object.values(levels)) list.sort();
    return levels;
  }

  private async deadLetters(): Promise<PipelineReport["deadLetters"]> {
    const out = { events: 0, analyze: 0, notify: 0 };
    for (const id of this.queueIds()) out[id] = pendingMessages(await queueCounts(this.deps.sqs, this.deps.queues[id].dlqUrl));
    return out;
  }

  private slackCounters(): StatusSnapshot["slack"] {
    const sink = this.deps.slackSink;
    return sink ? { posted: sink.counters.posted, updated: sink.counters.updated, threadReplies: sink.counters.threadReplies } : { posted: 0, updated: 0, threadReplies: 0 };
  }
}
