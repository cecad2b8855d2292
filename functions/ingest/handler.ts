/**
 * ingest: events queue -> validate, deduplicate, group -> analyze queue.
 * `createIngestHandler` takes injected clients (Lambda, sandbox runner and tests);
 * `handler` is the Lambda entry, built from the environment once per cold start.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { SQSRecord } from "aws-lambda";
import { type AwsClients, createDynamoDbClients, createSqsClient, endpointsFromEnv } from "../../shared/clients/aws.ts";
import { type FunctionEnv, loadFunctionEnv } from "../../shared/config.ts";
import { type EscalationPolicy, type EscalationPolicyInput, parsePolicy } from "../../shared/domain/policy.ts";
import { PipelineStore } from "../../shared/storage/pipeline-store.ts";
import { sendToDeadLetter } from "../../shared/dead-letter.ts";
import { METRICS_NAMESPACE } from "../../shared/resources.ts";
import { type IngestOutcome, ingestOccurrence } from "./ingest-occurrence.ts";
import { validateOccurrence } from "./validate.ts";
import { type SqsHandler, sqsBatchHandlerPerBatch } from "../../shared/sqs-batch.ts";
import { type IngestBatch, ingestBatch } from "./ingest-batch.ts";
import { LevelFloors } from "./level-floors.ts";

export interface IngestDeps {
  sqs: SQSClient;
  doc: DynamoDBDocumentClient;
  tableName: string;
  analyzeQueueUrl: string;
  eventsDlqUrl: string;
  /** This deployment's cluster; occurrences of other clusters are still grouped under their own name. */
  cluster?: string;
  policy?: EscalationPolicy | EscalationPolicyInput | string;
  logger?: Logger;
  metrics?: Metrics;
  now?: () => Date;
}

/** The metric each outcome counts; a pressure-cleared signal is not an occurrence and has its own. */
const METRIC_OF: Record<IngestOutcome["status"] | "analyzed", string> = {
  analyzed: "OccurrenceAnalyzed",
  grouped: "OccurrenceRepeat",
  duplicate: "OccurrenceDuplicate",
  ignored: "OccurrenceIgnored",
  "pressure-cleared": "NodePressureCleared",
};

export function createIngestHandler(deps: IngestDeps): SqsHandler {
  const logger = deps.logger ?? new Logger({ serviceName: "oomwatch-ingest" });
  const policy = parsePolicy(deps.policy);
  const ctx = {
    store: new PipelineStore(deps.doc, deps.tableName),
    sqs: deps.sqs,
    analyzeQueueUrl: deps.analyzeQueueUrl,
    policy,
    now: deps.now ?? (() => new Date()),
    logger,
  };
  const count = (name: string) => deps.metrics?.addMetric(name, MetricUnit.Count, 1);
  // Levels read by earlier batches, kept as long as this handler (a warm Lambda container).
  const floors = new LevelFloors();

  async function processRecord(batch: IngestBatch, record: SQSRecord): Promise<void> {
    const v = validateOccurrence(record.body);
    if (!v.ok) {
      // Never retried: it would fail the same way every time and block nothing else.
      await sendToDeadLetter({ sqs: deps.sqs, url: deps.eventsDlqUrl }, record, v.code, v.reason);
      logger.warn("poison occurrence sent to the events DLQ", { messageId: record.messageId, error: v.code, reason: v.reason });
      count(`Poison${v.code}`);
      return;
    }
    const outcome = await ingestOccurrence(ctx, batch, v.occurrence);
    if (outcome.status === "ignored") logger.info("not a memory incident", { occurrenceKey: v.occurrence.key, reason: outcome.reason });
    if (outcome.status === "pressure-cleared") logger.info("node memory pressure cleared", { occurrenceKey: v.occurrence.key, node: outcome.node });
    count(METRIC_OF[outcome.status === "grouped" && outcome.trigger ? "analyzed" : outcome.status]);
  }

  // The records of a batch share their group and incident reads and writes (ingest-batch.ts).
  return sqsBatchHandlerPerBatch(
    () => {
      const batch = ingestBatch(ctx.store, policy, ctx.now, floors);
      return (record) => processRecord(batch, record);
    },
    logger,
    deps.metrics,
    { release: { sqs: deps.sqs } },
  );
}

/** IngestDeps from the function environment (shared/config.ts): the Lambda entry and the sandbox both build ingest this way. */
export function ingestDepsFromEnv(env: FunctionEnv, aws: Pick<AwsClients, "sqs" | "doc">): IngestDeps {
  if (!env.ANALYZE_QUEUE_URL || !env.EVENTS_DLQ_URL) throw new Error("ingest needs ANALYZE_QUEUE_URL and EVENTS_DLQ_URL");
  return {
    sqs: aws.sqs,
    doc: aws.doc,
    tableName: env.INCIDENTS_TABLE,
    analyzeQueueUrl: env.ANALYZE_QUEUE_URL,
    eventsDlqUrl: env.EVENTS_DLQ_URL,
    cluster: env.OOMWATCH_CLUSTER,
    policy: env.ESCALATION_POLICY,
  };
}

/** The handler as Lambda builds it at cold start: clients, logger and metrics from the environment (metrics go to stdout as EMF). */
export function ingestHandlerFromEnv(processEnv: NodeJS.ProcessEnv = process.env): SqsHandler {
  const aws = { endpoints: endpointsFromEnv(processEnv) };
  return createIngestHandler({
    ...ingestDepsFromEnv(loadFunctionEnv(processEnv), { sqs: createSqsClient(aws), ...createDynamoDbClients(aws) }),
    logger: new Logger({ serviceName: "oomwatch-ingest" }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: "ingest" }),
  });
}

let cold: SqsHandler | undefined;

/** Lambda entry point. */
export const handler: SqsHandler = async (event, context) => {
  cold ??= ingestHandlerFromEnv();
  return cold(event, context);
};
