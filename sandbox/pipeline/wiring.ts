/**
 * The three handlers as the sandbox runs them. Each is built by its function's own
 * environment wiring (`ingestDepsFromEnv`, `analyzeDepsFromEnv`, `notifyDepsFromEnv`)
 * from a function environment that points at the local resources, so the sandbox
 * configures the functions exactly as the deployed stack does; only the clients
 * (emulators, fault hooks), the log level and the notify timings are the sandbox's.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import type { WebClient } from "@slack/web-api";
import type { SQSEvent } from "aws-lambda";
import { analyzeDepsFromEnv, createAnalyzeHandler } from "../../functions/analyze/handler.ts";
import { createIngestHandler, ingestDepsFromEnv } from "../../functions/ingest/handler.ts";
import { notifyDepsFromEnv, slackToken } from "../../functions/notify/from-env.ts";
import { createNotifyHandler } from "../../functions/notify/handler.ts";
import { createResolveHandler, type ResolveHandler, resolveDepsFromEnv } from "../../functions/resolve/handler.ts";
import type { AwsClients } from "../../shared/clients/aws.ts";
import { type FunctionEnv, loadFunctionEnv } from "../../shared/config.ts";
import { createSlackClient, slackClientOptions } from "../../functions/notify/slack-poster.ts";
import type { FunctionId, QueueId } from "../../shared/resources.ts";
import { functionFromResources, type SqsHandler } from "../lambda-runner.ts";
import type { QueueUrls } from "../local-aws.ts";
import type { PartClients, PipelineFaultHooks } from "./types.ts";

const DEFAULT_CHANNEL = "#oom-alerts";
const OPS_CHANNEL = "#ops";
const OPS_MENTION = "@oncall-sre";
/** The sink can be slow under a storm; a little more than the function's own default. */
const SLACK_TIMEOUT_MS = 5000;

export interface SandboxEnvInput {
  cluster: string;
  tableName: string;
  queues: Record<QueueId, QueueUrls>;
  kubeconfigPath: string;
  slackToken: string;
  /** The Slack sink's URL; absent for real Slack. */
  slackApiUrl?: string;
  slackChannel?: string;
  /** ESCALATION_POLICY JSON (a scenario's `policy.escalation`). */
  escalationPolicy?: string;
}

/** The function environment (shared/config.ts) of a sandbox run: every function reads the parts it needs. */
export function sandboxFunctionEnv(input: SandboxEnvInput): FunctionEnv {
  const { queues } = input;
  return loadFunctionEnv({
    OOMWATCH_CLUSTER: input.cluster,
    INCIDENTS_TABLE: input.tableName,
    EVENTS_QUEUE_URL: queues.events.url,
    EVENTS_DLQ_URL: queues.events.dlqUrl,
    ANALYZE_QUEUE_URL: queues.analyze.url,
    ANALYZE_DLQ_URL: queues.analyze.dlqUrl,
    NOTIFY_QUEUE_URL: queues.notify.url,
    NOTIFY_DLQ_URL: queues.notify.dlqUrl,
    EVENT_BUS_NAME: "default",
    SLACK_TOKEN: input.slackToken,
    ...(input.slackApiUrl ? { SLACK_API_URL: input.slackApiUrl } : {}),
    SLACK_DEFAULT_CHANNEL: input.slackChannel ?? DEFAULT_CHANNEL,
    SLACK_OPS_CHANNEL: OPS_CHANNEL,
    SLACK_OPS_MENTION: OPS_MENTION,
    KUBECONFIG: input.kubeconfigPath,
    ...(input.escalationPolicy ? { ESCALATION_POLICY: input.escalationPolicy } : {}),
  });
}

/** notify's Slack client: the function's factory, or the fault hook's client built with the same options. */
export async function sandboxSlackClient(env: FunctionEnv, hooks: PipelineFaultHooks): Promise<WebClient> {
  const token = await slackToken(env);
  const limits = { timeoutMs: SLACK_TIMEOUT_MS };
  return hooks.slackClient ? hooks.slackClient(token, slackClientOptions(env.SLACK_API_URL, limits)) : createSlackClient(token, env.SLACK_API_URL, limits);
}

export interface SandboxHandlerInput {
  env: FunctionEnv;
  /** Clients of each function (emulators unless a fault hook gives others); `secrets` serves analyze's kubeconfig lookup. */
  clientsFor: (fn: FunctionId | "resolve") => PartClients;
  secrets: AwsClients["secrets"];
  /** notify's EventBridge client when the fault hook gives none. */
  eventbridge: AwsClients["eventbridge"];
  slack: WebClient;
  queues: Record<QueueId, QueueUrls>;
  /** Powertools log level of the handlers. */
  logLevel: string;
  hooks: PipelineFaultHooks;
}

export interface SandboxHandlers {
  ingest: SqsHandler;
  analyze: SqsHandler;
  notify: SqsHandler;
  /** The resolver on the scenario clock: real time plus `clock.aheadMs` (the sandbox skips quiet windows). */
  resolve: ResolveHandler;
  clock: { aheadMs: number };
  /** When each incident's notify record was handled successfully (latency figures). */
  notifiedAt: Map<string, number[]>;
  /** When each occurrence's analysis request was handled successfully, by occurrence key (latency figures). */
  analyzedAt: Map<string, number>;
}

export function createSandboxHandlers(input: SandboxHandlerInput): SandboxHandlers {
  const { env, hooks } = input;
  const logger = (serviceName: string) => new Logger({ serviceName, logLevel: input.logLevel as "ERROR" });
  const ingestClients = input.clientsFor("ingest");
  const ingest = createIngestHandler({ ...ingestDepsFromEnv(env, ingestClients), logger: logger("oomwatch-ingest") });
  const analyzeClients = input.clientsFor("analyze");
  const analyzedAt = new Map<string, number>();
  const analyze = recordHandled(
    createAnalyzeHandler({ ...analyzeDepsFromEnv(env, { ...analyzeClients, secrets: input.secrets }), logger: logger("oomwatch-analyze") }),
    (body, now) => {
      const key = occurrenceKeyOf(body);
      if (key) analyzedAt.set(key, now);
    },
  );
  const notifyClients = input.clientsFor("notify");
  const notifiedAt = new Map<string, number[]>();
  const notify = recordHandled(
    createNotifyHandler({
      ...notifyDepsFromEnv(env, { ...notifyClients, eventbridge: notifyClients.eventbridge ?? input.eventbridge }, input.slack),
      logger: logger("oomwatch-notify"),
      ...(hooks.notifyMinRemainingMs !== undefined ? { minRemainingMs: hooks.notifyMinRemainingMs } : {}),
      // Twice the function timeout the runner applies (capped to a shortened visibility timeout in tests).
      leaseMs: 2000 * functionFromResources("notify", input.queues, async () => {}).timeoutSeconds,
    }),
    (body, now) => {
      const id = parsed(body)?.incidentId;
      if (typeof id !== "string") return;
      const list = notifiedAt.get(id) ?? [];
      list.push(now);
      notifiedAt.set(id, list);
    },
  );
  const clock = { aheadMs: 0 };
  const resolve = createResolveHandler({
    ...resolveDepsFromEnv(env, input.clientsFor("resolve")),
    now: () => new Date(Date.now() + clock.aheadMs),
    logger: logger("oomwatch-resolve"),
  });
  return { ingest, analyze, notify, resolve, clock, notifiedAt, analyzedAt };
}

/** Wraps a handler to note each record it handled successfully, with the time (latency figures). */
function recordHandled(handler: SqsHandler, note: (body: string, now: number) => void): SqsHandler {
  return async (event: SQSEvent, context) => {
    const response = await handler(event, context);
    const failed = new Set((response ?? { batchItemFailures: [] }).batchItemFailures.map((f) => f.itemIdentifier));
    const now = Date.now();
    for (const record of event.Records) if (!failed.has(record.messageId)) note(record.body, now);
    return response;
  };
}

function parsed(body: string): { incidentId?: unknown; occurrence?: { key?: unknown } } | undefined {
  try {
    return JSON.parse(body) as { incidentId?: unknown; occurrence?: { key?: unknown } };
  } catch {
    return undefined;
  }
}

/** An AnalyzeRequest's occurrence key. */
function occurrenceKeyOf(body: string): string | undefined {
  const key = parsed(body)?.occurrence?.key;
  return typeof key === "string" ? key : undefined;
}
