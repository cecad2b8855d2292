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
import { pipelineKeys } from "../../shared/storage/pipeline-items.ts";
import { pendingMessages, queueCounts } from "../lambda-runner/queue-counts.ts";
import type { QueueUrls } from "../local-aws.ts";
import { type LatencySample, occurrenceLatencies, percentile, type SandboxReport } from "../report.ts";
import type { SlackSink } from "../slack-sink.ts";
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
  /** Severity events the local EventBridge sink received so far. */
  severityEvents: () => number;
  startedAt: number;
}

type Levels = { "0": number; "1": number; "2": number; "3": number };

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
    for (const id of this.queueIds()) {
      const c = await queueCounts(sqs, queues[id].url);
      const dlq = pendingMessages(await queueCounts(sqs, queues[id].dlqUrl));
      q[id] = { visible: Math.max(0, c.visible - c.inFlight), inFlight: c.inFlight, dlq };
    }
    const stats = this.deps.forwarder().stats();
    return {
      elapsedMs: Date.now() - this.deps.startedAt,
      phase,
      observed: { ...stats.observed },
      forwarded: stats.sent,
      queues: q,
      incidents: await this.incidentsByLevel(),
      slack: this.slackCounters(),
    };
  }

  async report(scenario: string): Promise<SandboxReport> {
    const stats = this.deps.forwarder().stats();
    const ids = await this.incidentIdsOf(this.observedKeys, true);
    const samples = this.observed.map((s, i) => ({ ...s, incidentId: ids[i] }));
    const latencies = occurrenceLatencies(samples, this.deps.notifiedAt);
    return {
      scenario,
      observed: Object.values(stats.observed).reduce((a, b) => a + b, 0),
      observedByKind: { ...stats.observed },
      forwarded: stats.sent,
      incidents: await this.incidentsByLevel(),
      slack: this.slackCounters(),
      deadLetters: await this.deadLetters(),
      latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) },
      durationMs: Date.now() - this.deps.startedAt,
      severityEvents: this.deps.severityEvents(),
    };
  }

  private queueIds(): QueueId[] {
    return Object.keys(this.deps.queues) as QueueId[];
  }

  private batchGet(keys: Array<{ pk: string; sk: string }>): Promise<Record<string, unknown>[]> {
    return batchGetItems(this.deps.doc, this.deps.tableName, keys);
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

  private async incidentsByLevel(fresh = false): Promise<Levels> {
    const ids = [...new Set((await this.incidentIdsOf(this.observedKeys, fresh)).filter((x): x is string => !!x))];
    // Level 0: early warnings (MemoryNearLimit, NodeMemoryHigh), counted like the paging levels.
    const levels: Levels = { "0": 0, "1": 0, "2": 0, "3": 0 };
    for (const item of await this.batchGet(ids.map((id) => ({ pk: incidentPk(id), sk: INCIDENT_SK })))) {
      const incident = fromIncidentItem(item);
      // Node-OOM victims are part of the node OOM incident: count top-level incidents only.
      if (incident.partOf) continue;
      levels[String(incident.level) as keyof Levels]++;
    }
    return levels;
  }

  private async deadLetters(): Promise<SandboxReport["deadLetters"]> {
    const out = { events: 0, analyze: 0, notify: 0 };
    for (const id of this.queueIds()) out[id] = pendingMessages(await queueCounts(this.deps.sqs, this.deps.queues[id].dlqUrl));
    return out;
  }

  private slackCounters(): StatusSnapshot["slack"] {
    const sink = this.deps.slackSink;
    return sink ? { posted: sink.counters.posted, updated: sink.counters.updated, threadReplies: sink.counters.threadReplies } : { posted: 0, updated: 0, threadReplies: 0 };
  }
}
