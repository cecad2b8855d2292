/**
 * The whole oomwatch pipeline on one machine: local SQS + DynamoDB, the local
 * EventBridge and Slack sinks (or real Slack), the Kubernetes API simulator (or a
 * real cluster), the real forwarder, and the three handlers in the Lambda runner.
 * Everything talks over HTTP with the same clients the cloud deployment uses.
 */
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { BatchGetCommand } from "@aws-sdk/lib-dynamodb";
import { WebClient, type WebClientOptions } from "@slack/web-api";
import type { SQSEvent } from "aws-lambda";
import { Logger } from "@aws-lambda-powertools/logger";
import { createIngestHandler } from "../functions/ingest/handler.ts";
import { createAnalyzeHandler } from "../functions/analyze/handler.ts";
import { createNotifyHandler } from "../functions/notify/handler.ts";
import { startForwarder, type Forwarder, type ForwarderOptions } from "../forwarder/forwarder.ts";
import { createLogger as createForwarderLogger } from "../forwarder/log.ts";
import { createKubernetesAccess, kubeConfigLoader } from "../shared/clients/kubernetes.ts";
import type { FunctionId, QueueId } from "../shared/resources.ts";
import { createAwsClients, type AwsClients, type AwsEndpoints } from "../shared/clients/aws.ts";
import { fromIncidentItem, incidentPk, INCIDENT_SK } from "../shared/storage/incident-item.ts";
import { releaseDeadLeases } from "../shared/notify/slack-ref.ts";
import { startEventBridgeSink } from "./eventbridge-sink.ts";
import { createQueues, createTables, localDynamoPath, startLocalAws, writeSandboxInfo, type LocalAws, type QueueOverrides, type QueueUrls } from "./local-aws.ts";
import { functionFromResources, startLambdaRunner, type LambdaRunner, type SqsHandler } from "./lambda-runner.ts";
import { pendingMessages, queueCounts } from "./lambda-runner/queue-counts.ts";
import { sinkDataPaths, startSlackSink, type SlackSink } from "./slack-sink.ts";
import { startK8sSimulator, type K8sSimulator } from "./k8s-sim/server.ts";
import { percentile, occurrenceLatencies, type LatencySample, type SandboxReport } from "./report.ts";
import type { StatusSnapshot } from "./status.ts";

export interface PipelineOptions {
  dataDir: string;
  /** Cluster name the forwarder reports. */
  cluster: string;
  /** Scenario or input name, recorded in the data dir for `oomwatch incidents`. */
  scenario?: string;
  /** A real cluster instead of the simulator. */
  kubeconfig?: string;
  /** Real Slack instead of the sink. */
  slackToken?: string;
  slackChannel?: string;
  /** Forwarder lookback (default 1 h). */
  lookbackMs?: number;
  /** Where notices go (Slack messages, warnings). */
  log: (text: string) => void;
  /** Powertools log level of the handlers (default ERROR: the terminal shows the status instead). */
  handlerLogLevel?: string;
  /** Fault-injection hooks for tests (test/faults); the sandbox sets none. */
  faults?: PipelineFaultHooks;
}

/** A part of the pipeline that talks to AWS with its own clients when a fault hook gives it some. */
export type PipelineClientUser = "forwarder" | FunctionId;

/**
 * Test hooks: each replaces or wraps one dependency so a test can inject a fault
 * (duplicate sends, crashes, outages) while the rest of the pipeline runs unchanged.
 */
export interface PipelineFaultHooks {
  /** Settings for every queue, e.g. a short visibility timeout so redelivery takes seconds. */
  queueOverrides?: QueueOverrides;
  /**
   * Clients for one part (the forwarder is asked again on each restart); parts not given
   * use the shared emulator clients. The Lambda runner always uses the shared client.
   * `endpoints` has the emulators' and the EventBridge sink's URLs for building such clients.
   */
  clients?: (user: PipelineClientUser, aws: LocalAws, endpoints: AwsEndpoints) => Partial<Pick<AwsClients, "sqs" | "doc" | "eventbridge">>;
  /** Builds notify's Slack client (default `new WebClient(token, options)`). */
  slackClient?: (token: string, options: WebClientOptions) => WebClient;
  /** Wraps a function's handler as the Lambda runner invokes it. */
  wrapHandler?: (fn: FunctionId, handler: SqsHandler) => SqsHandler;
  /** Forwarder settings on top of the sandbox's (e.g. `flushTimeoutMs`, `sendBackoff`). */
  forwarder?: Partial<Omit<ForwarderOptions, "kubeConfig" | "sqs" | "queueUrl" | "cluster">>;
  /** notify's `minRemainingMs` (default 8 s): short test function timeouts need less. */
  notifyMinRemainingMs?: number;
}

export interface Pipeline {
  /** The simulator, when no kubeconfig was given. */
  sim?: K8sSimulator;
  aws: LocalAws;
  queues: Record<QueueId, QueueUrls>;
  slackSink?: SlackSink;
  /** The running forwarder (a new one after `restartForwarder`). */
  readonly forwarder: Forwarder;
  runner: LambdaRunner;
  /** Stops the forwarder as on SIGTERM (bounded flush) and starts a new one, like a pod restart. */
  restartForwarder(): Promise<Forwarder>;
  status(phase: string): Promise<StatusSnapshot>;
  /** Waits until the forwarder's outbox and every queue stay empty for `quietMs`. */
  waitUntilDrained(opts?: { timeoutMs?: number; quietMs?: number }): Promise<void>;
  report(scenario: string): Promise<SandboxReport>;
  stop(): Promise<void>;
}

const DEFAULT_CHANNEL = "#oom-alerts";
const OPS_CHANNEL = "#ops";

/** Starts every part in order; on a failure, whatever already started is stopped again. */
export async function startPipeline(opts: PipelineOptions): Promise<Pipeline> {
  const startedAt = Date.now();
  const stack: Array<() => Promise<unknown> | unknown> = [];
  const unwind = async () => {
    for (const stop of stack.reverse()) await Promise.resolve(stop()).catch(() => {});
    stack.length = 0;
  };
  try {
    const dataDir = resolve(opts.dataDir);
    mkdirSync(dataDir, { recursive: true });

    const aws = await startLocalAws({ dataDir: localDynamoPath(dataDir) });
    writeSandboxInfo(dataDir, { cluster: opts.cluster, scenario: opts.scenario ?? "", startedAt: new Date(startedAt).toISOString() });
    stack.push(() => aws.stop());
    const hooks = opts.faults ?? {};
    const queues = await createQueues(aws.clients.sqs, "", hooks.queueOverrides);
    const tables = await createTables(aws.clients.dynamodb);
    // A sandbox killed mid-post left its lease behind; this process is the data dir's only user.
    const released = await releaseDeadLeases(aws.clients.doc, tables.incidents);
    if (released) opts.log(`released ${released} Slack posting lease(s) left by a sandbox that was killed`);

    const events = await startEventBridgeSink();
    stack.push(() => events.stop());

    const slackSink = opts.slackToken ? undefined : await startSlackSink({ autoCreateChannels: true, ...sinkDataPaths(dataDir) });
    if (slackSink) stack.push(() => slackSink.stop());
    const slackOptions: WebClientOptions = {
      ...(slackSink ? { slackApiUrl: slackSink.url } : {}),
      rejectRateLimitedCalls: true,
      timeout: 5000,
      retryConfig: { retries: 1 },
    };
    const slackToken = opts.slackToken ?? slackSink!.token;
    const slack = hooks.slackClient ? hooks.slackClient(slackToken, slackOptions) : new WebClient(slackToken, slackOptions);
    const endpoints: AwsEndpoints = { ...aws.endpoints, eventbridge: events.endpoint };
    const clientsFor = (user: PipelineClientUser) => ({ sqs: aws.clients.sqs, doc: aws.clients.doc, ...hooks.clients?.(user, aws, endpoints) });
    const wrap = (fn: FunctionId, handler: SqsHandler) => (hooks.wrapHandler ? hooks.wrapHandler(fn, handler) : handler);

    // Kubernetes: the simulator serves a kubeconfig file, so the forwarder and analyze
    // load credentials exactly as they would for a real cluster.
    let sim: K8sSimulator | undefined;
    let kubeconfigPath = opts.kubeconfig;
    if (!kubeconfigPath) {
      sim = await startK8sSimulator();
      stack.push(() => sim!.stop());
      kubeconfigPath = join(dataDir, "kubeconfig.yaml");
      sim.writeKubeconfig(kubeconfigPath);
    }
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(kubeconfigPath);

    const logLevel = opts.handlerLogLevel ?? "ERROR";
    const logger = (serviceName: string) => new Logger({ serviceName, logLevel: logLevel as "ERROR" });
    const ingestClients = clientsFor("ingest");
    const ingest = createIngestHandler({
      sqs: ingestClients.sqs,
      doc: ingestClients.doc,
      tableName: tables.incidents,
      analyzeQueueUrl: queues.analyze.url,
      eventsDlqUrl: queues.events.dlqUrl,
      cluster: opts.cluster,
      logger: logger("oomwatch-ingest"),
    });
    const analyzeClients = clientsFor("analyze");
    const analyze = createAnalyzeHandler({
      sqs: analyzeClients.sqs,
      doc: analyzeClients.doc,
      tableName: tables.incidents,
      notifyQueueUrl: queues.notify.url,
      analyzeQueueUrl: queues.analyze.url,
      k8s: createKubernetesAccess(kubeConfigLoader({ kubeconfigPath }), 3000),
      cluster: opts.cluster,
      logger: logger("oomwatch-analyze"),
    });
    const notifiedAt = new Map<string, number[]>();
    const notifyClients = clientsFor("notify");
    const notify = recordNotifications(
      createNotifyHandler({
        slack,
        doc: notifyClients.doc,
        tableName: tables.incidents,
        eventbridge: notifyClients.eventbridge ?? createAwsClients({ endpoints: { eventbridge: events.endpoint } }).eventbridge,
        busName: "default",
        routing: { defaultChannel: opts.slackChannel ?? DEFAULT_CHANNEL, opsChannel: OPS_CHANNEL, opsMention: "@oncall-sre" },
        dlq: { sqs: notifyClients.sqs, url: queues.notify.dlqUrl },
        logger: logger("oomwatch-notify"),
        ...(hooks.notifyMinRemainingMs !== undefined ? { minRemainingMs: hooks.notifyMinRemainingMs } : {}),
        // Twice the function timeout the runner applies (capped to a shortened visibility timeout in tests).
        leaseMs: 2000 * functionFromResources("notify", queues, async () => {}).timeoutSeconds,
      }),
      notifiedAt,
    );

    const runner = startLambdaRunner({
      sqs: aws.clients.sqs,
      functions: [
        functionFromResources("ingest", queues, wrap("ingest", ingest)),
        functionFromResources("analyze", queues, wrap("analyze", analyze)),
        functionFromResources("notify", queues, wrap("notify", notify)),
      ],
      logger: { info: () => {}, warn: (m) => opts.log(`runner: ${m}`), error: (m, e) => opts.log(`runner: ${m} ${e ? String((e as { error?: unknown }).error ?? "") : ""}`) },
    });
    stack.push(() => runner.stop());

    const observed: LatencySample[] = [];
    const observedKeys: string[] = [];
    const launchForwarder = async (): Promise<Forwarder> => {
      const started = await startForwarder({
        kubeConfig,
        sqs: clientsFor("forwarder").sqs,
        queueUrl: queues.events.url,
        cluster: opts.cluster,
        leaderElection: false,
        lookbackMs: opts.lookbackMs ?? 3_600_000,
        logger: createForwarderLogger("ERROR"),
        sendBackoff: { baseMs: 100, capMs: 2000 },
        watchBackoff: { baseMs: 200, capMs: 5000 },
        ...hooks.forwarder,
      });
      started.on("observed", (o) => {
        observed.push({ observedAt: Date.parse(o.observedAt), incidentId: undefined });
        observedKeys.push(o.key);
      });
      return started;
    };
    let forwarder = await launchForwarder();
    stack.push(() => forwarder.stop());
    // A scenario must not start before the forwarder has listed: Kubernetes keeps only a
    // container's last termination, so a change made before the first list could be missed.
    await waitFor(() => forwarder.synced(), 30_000, "the forwarder's first list of the cluster");

    const pending = async (): Promise<number> => {
      let n = forwarder.stats().outbox;
      for (const id of Object.keys(queues) as QueueId[]) n += pendingMessages(await queueCounts(aws.clients.sqs, queues[id].url));
      return n;
    };

    /** BatchGet in chunks of 100, following UnprocessedKeys. */
    const batchGet = async (keys: Array<{ pk: string; sk: string }>): Promise<Record<string, unknown>[]> => {
      const items: Record<string, unknown>[] = [];
      for (let i = 0; i < keys.length; i += 100) {
        let request: Record<string, { Keys: Record<string, unknown>[] }> | undefined = { [tables.incidents]: { Keys: keys.slice(i, i + 100) } };
        while (request && Object.keys(request).length > 0) {
          const out = await aws.clients.doc.send(new BatchGetCommand({ RequestItems: request }));
          items.push(...(out.Responses?.[tables.incidents] ?? []));
          request = out.UnprocessedKeys as typeof request;
        }
      }
      return items;
    };

    // Occurrence key -> incident id, for the live status: each refresh looks up only the
    // occurrences it has not resolved yet. The final report reads every marker afresh.
    const resolved = new Map<string, string>();
    /** Incident ids of the occurrences seen in this run (occurrence marker items), in observation order. */
    const incidentIdsOf = async (keys: string[], fresh = false): Promise<Array<string | undefined>> => {
      const wanted = [...new Set(keys)].filter((k) => fresh || !resolved.has(k));
      for (const item of await batchGet(wanted.map((k) => ({ pk: `OCC#${k}`, sk: "OCC" })))) {
        if (typeof item.incidentId === "string") resolved.set(String(item.pk).slice(4), item.incidentId);
      }
      return keys.map((k) => resolved.get(k));
    };

    const incidentsByLevel = async (fresh = false): Promise<{ "1": number; "2": number; "3": number }> => {
      const ids = [...new Set((await incidentIdsOf(observedKeys, fresh)).filter((x): x is string => !!x))];
      const levels = { "1": 0, "2": 0, "3": 0 };
      for (const item of await batchGet(ids.map((id) => ({ pk: incidentPk(id), sk: INCIDENT_SK })))) {
        const incident = fromIncidentItem(item);
        // Node-OOM victims are part of the node OOM incident: count top-level incidents only.
        if (incident.partOf) continue;
        levels[String(incident.level) as "1" | "2" | "3"]++;
      }
      return levels;
    };

    const deadLetters = async () => {
      const out = { events: 0, analyze: 0, notify: 0 };
      for (const id of Object.keys(queues) as QueueId[]) out[id] = pendingMessages(await queueCounts(aws.clients.sqs, queues[id].dlqUrl));
      return out;
    };

    const slackCounters = () =>
      slackSink
        ? { posted: slackSink.counters.posted, updated: slackSink.counters.updated, threadReplies: slackSink.counters.threadReplies }
        : { posted: 0, updated: 0, threadReplies: 0 };

    if (slackSink) {
      slackSink.subscribe((message, change) => {
        if (change === "posted") opts.log(slackSink.render(message));
      });
    }

    return {
      sim,
      aws,
      queues,
      slackSink,
      get forwarder() {
        return forwarder;
      },
      runner,
      async restartForwarder() {
        await forwarder.stop();
        forwarder = await launchForwarder();
        return forwarder;
      },
      async status(phase) {
        const q: StatusSnapshot["queues"] = {};
        for (const id of Object.keys(queues) as QueueId[]) {
          const c = await queueCounts(aws.clients.sqs, queues[id].url);
          const dlq = pendingMessages(await queueCounts(aws.clients.sqs, queues[id].dlqUrl));
          q[id] = { visible: Math.max(0, c.visible - c.inFlight), inFlight: c.inFlight, dlq };
        }
        const stats = forwarder.stats();
        return {
          elapsedMs: Date.now() - startedAt,
          phase,
          observed: { ...stats.observed },
          forwarded: stats.sent,
          queues: q,
          incidents: await incidentsByLevel(),
          slack: slackCounters(),
        };
      },
      async waitUntilDrained({ timeoutMs = 120_000, quietMs = 1500 } = {}) {
        const deadline = Date.now() + timeoutMs;
        let quietSince: number | undefined;
        while (Date.now() < deadline) {
          const busy = (await pending()) > 0 || runner.stats().inFlight > 0;
          if (busy) quietSince = undefined;
          else {
            quietSince ??= Date.now();
            if (Date.now() - quietSince >= quietMs) return;
          }
          await new Promise((r) => setTimeout(r, 100));
        }
        throw new Error(`the pipeline did not drain within ${timeoutMs / 1000} s`);
      },
      async report(scenario) {
        const stats = forwarder.stats();
        const ids = await incidentIdsOf(observedKeys, true);
        const samples = observed.map((s, i) => ({ ...s, incidentId: ids[i] }));
        const latencies = occurrenceLatencies(samples, notifiedAt);
        return {
          scenario,
          observed: Object.values(stats.observed).reduce((a, b) => a + b, 0),
          observedByKind: { ...stats.observed },
          forwarded: stats.sent,
          incidents: await incidentsByLevel(),
          slack: slackCounters(),
          deadLetters: await deadLetters(),
          latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) },
          durationMs: Date.now() - startedAt,
          severityEvents: events.events().length,
        };
      },
      stop: unwind,
    };
  } catch (err) {
    await unwind();
    throw err;
  }
}

/** Wraps notify to note when each incident's record was handled successfully (latency figures). */
function recordNotifications(handler: SqsHandler, notifiedAt: Map<string, number[]>): SqsHandler {
  return async (event: SQSEvent, context) => {
    const response = await handler(event, context);
    const failed = new Set((response ?? { batchItemFailures: [] }).batchItemFailures.map((f) => f.itemIdentifier));
    const now = Date.now();
    for (const record of event.Records) {
      if (failed.has(record.messageId)) continue;
      const id = incidentIdOf(record.body);
      if (!id) continue;
      const list = notifiedAt.get(id) ?? [];
      list.push(now);
      notifiedAt.set(id, list);
    }
    return response;
  };
}

function incidentIdOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { incidentId?: unknown };
    return typeof parsed.incidentId === "string" ? parsed.incidentId : undefined;
  } catch {
    return undefined;
  }
}

async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
