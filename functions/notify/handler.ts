/**
 * notify: notify queue -> Slack (parent message per incident, thread replies,
 * parent updates, Level 3 ops copy) + EventBridge severity events.
 * `createNotifyHandler` takes injected clients (Lambda, sandbox runner, tests);
 * `handler` is the Lambda entry, built from the environment once per cold start.
 *
 * Failure policy: Slack rate limits, 5xx and timeouts return the record as a
 * batch item failure (SQS retries it later; the function never sleeps) and the
 * rest of the batch is returned untouched; permanent Slack errors and malformed
 * records are logged, counted, sent to the notify DLQ when configured, and
 * acknowledged.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { WebClient } from "@slack/web-api";
import type { SQSRecord } from "aws-lambda";
import { IncidentNotifier } from "./notify-incident.ts";
import type { RoutingConfig } from "./routing.ts";
import { NotifyError } from "./slack-errors.ts";
import { createSlackClient, SlackPoster } from "./slack-poster.ts";
import { SlackRefStore } from "./slack-ref.ts";
import { FUNCTIONS, METRICS_NAMESPACE } from "../../shared/resources.ts";
import { createDynamoDbClients, createEventBridgeClient, createSqsClient, endpointsFromEnv } from "../../shared/clients/aws.ts";
import { loadFunctionEnv } from "../../shared/config.ts";
import { sendToDeadLetter, type DeadLetterTarget } from "../../shared/dead-letter.ts";
import { type SqsHandler, sqsBatchHandlerPerBatch } from "../../shared/sqs-batch.ts";
import { isContention } from "../../shared/contention-retry.ts";
import { planBatch } from "./plan.ts";
import { notifyDepsFromEnv, slackToken } from "./from-env.ts";

export type { RoutingConfig } from "./routing.ts";

export interface NotifyDeps {
  slack: WebClient;
  doc: DynamoDBDocumentClient;
  tableName: string;
  eventbridge: EventBridgeClient;
  busName: string;
  routing: RoutingConfig;
  /** RUNBOOK_BASE_URL; without it messages carry no runbook link. */
  runbookBaseUrl?: string | undefined;
  /** Client of the notify queue: a record that lost the posting lease is handed back to be retried in seconds. Default: the DLQ's client. */
  sqs?: SQSClient;
  /** NOTIFY_DLQ_URL: where malformed and permanently refused records go. Without it they are batch item failures (malformed) or dropped after logging (refused). */
  dlq?: DeadLetterTarget;
  logger?: Logger;
  metrics?: Metrics;
  now?: () => number;
  /** Posting lease (default: twice the function timeout). */
  leaseMs?: number;
  /** How long a record waits for another delivery's posting lease before it is handed back to SQS (default 5 s). */
  leaseWaitMs?: number;
  /** Records are not started with less time than this left (default 8 s). */
  minRemainingMs?: number;
}

/** Slack trouble that makes every further call in this batch pointless. */
const STOPS_BATCH = /^(rate_limited|http_\d+|request_failed|ratelimited|internal_error|fatal_error|service_unavailable|request_timeout)$/;

class SkippedError extends Error {}

/** Another delivery holds the posting lease: it stores the parent within moments, so a retry in seconds finds it. */
const retrySoon = (e: unknown) => isContention(e) || (e instanceof NotifyError && e.failure.code === "parent_being_posted");

export function createNotifyHandler(deps: NotifyDeps): SqsHandler {
  const logger = deps.logger ?? new Logger({ serviceName: "oomwatch-notify" });
  const count = (name: string) => deps.metrics?.addMetric(name, MetricUnit.Count, 1);
  const notifier = new IncidentNotifier({
    poster: new SlackPoster(deps.slack),
    refs: new SlackRefStore(deps.doc, deps.tableName),
    eventbridge: deps.eventbridge,
    busName: deps.busName,
    routing: deps.routing,
    runbookBaseUrl: deps.runbookBaseUrl,
    now: deps.now ?? Date.now,
    leaseMs: deps.leaseMs ?? FUNCTIONS.notify.timeoutSeconds * 2000,
    leaseWaitMs: deps.leaseWaitMs ?? 5000,
    warn: (message, extra) => logger.warn(message, extra ?? {}),
    count,
  });
  const minRemainingMs = deps.minRemainingMs ?? 8000;
  const sqs = deps.sqs ?? deps.dlq?.sqs;

  return sqsBatchHandlerPerBatch((event, context) => {
    const plans = planBatch(event.Records);
    let stopReason: string | undefined;

    async function deadLetter(record: SQSRecord, code: "INVALID_JSON" | "SCHEMA" | "SLACK_PERMANENT", reason: string): Promise<boolean> {
      if (!deps.dlq) return false;
      await sendToDeadLetter(deps.dlq, record, code, reason);
      return true;
    }

    async function processRecord(record: SQSRecord): Promise<void> {
      const plan = plans.get(record.messageId);
      if (!plan) throw new Error("record missing from plan");
      if (plan.action === "superseded") {
        count("NotifySuperseded");
        return;
      }
      if (plan.action === "poison") {
        count("NotifyPoison");
        logger.error("malformed notify request", { messageId: record.messageId, error: plan.code, reason: plan.reason });
        if (!(await deadLetter(record, plan.code, plan.reason))) throw new Error(`malformed notify request: ${plan.reason}`);
        return;
      }
      if (stopReason) throw new SkippedError(`not attempted: ${stopReason} earlier in this batch`);
      if (context.getRemainingTimeInMillis() < minRemainingMs) throw new SkippedError("not attempted: function time nearly used up");
      const { request } = plan;
      try {
        const outcome = await notifier.notify(request, record.messageId);
        count(`Notify${outcome[0]!.toUpperCase()}${outcome.slice(1)}`);
        logger.info("incident notified", { incidentId: request.incidentId, revision: request.revision, outcome });
      } catch (e) {
        if (!(e instanceof NotifyError)) throw e;
        if (e.failure.action === "retry") {
          count("SlackRetryableError");
          if (STOPS_BATCH.test(e.failure.code)) stopReason = e.failure.code;
          throw e;
        }
        count("SlackPermanentError");
        logger.error("Slack refused the incident for good; not retrying", {
          incidentId: request.incidentId,
          error: e.failure.code,
          message: e.message,
          ...(e.cause !== undefined ? { cause: String(e.cause) } : {}),
        });
        await deadLetter(record, "SLACK_PERMANENT", e.message);
      }
    }

    return processRecord;
  }, logger, deps.metrics, { inOrder: true, ...(sqs ? { release: { sqs, when: retrySoon } } : {}) });
}

/** The handler as Lambda builds it at cold start: the Slack token (Secrets Manager), clients, logger and metrics from the environment. */
export async function notifyHandlerFromEnv(processEnv: NodeJS.ProcessEnv = process.env): Promise<SqsHandler> {
  const env = loadFunctionEnv(processEnv);
  const options = { endpoints: endpointsFromEnv(processEnv) };
  const aws = { sqs: createSqsClient(options), ...createDynamoDbClients(options), eventbridge: createEventBridgeClient(options) };
  return createNotifyHandler({
    ...notifyDepsFromEnv(env, aws, createSlackClient(await slackToken(env), env.SLACK_API_URL)),
    logger: new Logger({ serviceName: "oomwatch-notify" }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: "notify" }),
  });
}

let cold: Promise<SqsHandler> | undefined;

/**
 * Lambda entry point. Everything it needs is imported statically: in the one-file bundle a dynamic
 * `import()` makes esbuild wrap the imported modules for lazy evaluation, and it then keeps whole
 * SDK packages it would otherwise tree-shake (the aggregated DynamoDB and EventBridge clients with
 * every command: about 110 KiB of notify's bundle).
 */
export const handler: SqsHandler = async (event, context) => {
  cold ??= notifyHandlerFromEnv().catch((e: unknown) => {
    cold = undefined; // a failed cold start (e.g. secret unreadable) is retried on the next invocation
    throw e;
  });
  return (await cold)(event, context);
};
