/**
 * analyze: analyze queue -> enrich, correlate, classify, diagnose, advise -> incident
 * item + notify queue. `createAnalyzeHandler` takes injected clients (Lambda, sandbox
 * runner, tests); `handler` is the Lambda entry, built from the environment once.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { SQSRecord } from "aws-lambda";
import { type AwsClients, createDynamoDbClients, createSecretsClient, createSqsClient, endpointsFromEnv } from "../../shared/clients/aws.ts";
import { createKubernetesAccess, type KubernetesAccess, kubeConfigLoader } from "../../shared/clients/kubernetes.ts";
import { type FunctionEnv, loadFunctionEnv } from "../../shared/config.ts";
import { type EscalationPolicy, type EscalationPolicyInput, parsePolicy } from "../../shared/domain/policy.ts";
import { type DeadLetterTarget, sendToDeadLetter } from "../../shared/dead-letter.ts";
import { parseRecordBody } from "../../shared/record-body.ts";
import { METRICS_NAMESPACE } from "../../shared/resources.ts";
import { AnalyzeRequestSchema } from "../../shared/schema/incident.ts";
import { PipelineStore } from "../../shared/storage/pipeline-store.ts";
import { analyzeIncident } from "./analyze-incident.ts";
import { type SqsHandler, sqsBatchHandler } from "../../shared/sqs-batch.ts";

export interface AnalyzeDeps {
  sqs: SQSClient;
  doc: DynamoDBDocumentClient;
  tableName: string;
  notifyQueueUrl: string;
  /** ANALYZE_DLQ_URL: where a record that can never be analysed (not JSON, not an analyze request) goes with its reason. Without it such a record fails until SQS redrives it to the DLQ, without a reason. */
  dlq?: DeadLetterTarget;
  /** For re-analysing node-OOM victims; without it victims are only escalated on their next occurrence. */
  analyzeQueueUrl?: string;
  k8s?: KubernetesAccess | undefined;
  /** The cluster `k8s` reaches; occurrences of other clusters are analysed from their snapshot. */
  cluster?: string;
  policy?: EscalationPolicy | EscalationPolicyInput | string;
  logger?: Logger;
  metrics?: Metrics;
  now?: () => Date;
}

export function createAnalyzeHandler(deps: AnalyzeDeps): SqsHandler {
  const logger = deps.logger ?? new Logger({ serviceName: "oomwatch-analyze" });
  const ctx = {
    store: new PipelineStore(deps.doc, deps.tableName),
    sqs: deps.sqs,
    notifyQueueUrl: deps.notifyQueueUrl,
    analyzeQueueUrl: deps.analyzeQueueUrl,
    k8s: deps.k8s,
    cluster: deps.cluster,
    policy: parsePolicy(deps.policy),
    now: deps.now ?? (() => new Date()),
    logger,
  };

  async function processRecord(record: SQSRecord): Promise<void> {
    const parsed = parseRecordBody(record.body, AnalyzeRequestSchema);
    if (!parsed.ok) {
      // Never retried: it would fail the same way every time.
      logger.error("malformed analyze request", { messageId: record.messageId, error: parsed.code, reason: parsed.reason });
      deps.metrics?.addMetric("AnalyzePoison", MetricUnit.Count, 1);
      if (!deps.dlq) throw new Error(`malformed analyze request: ${parsed.reason}`);
      await sendToDeadLetter(deps.dlq, record, parsed.code, parsed.reason);
      return;
    }
    const req = parsed.value;
    const outcome = await analyzeIncident(ctx, req);
    if (outcome.status !== "analyzed") {
      // Superseded is the normal end of a lost race in a storm; stale is worth a look.
      if (outcome.status === "superseded") logger.info("analyze request covered by a newer analysis", { incidentId: req.incidentId, reason: outcome.reason });
      else logger.warn("analyze request skipped", { incidentId: req.incidentId, reason: outcome.reason });
    } else {
      deps.metrics?.addMetric(`Incident${outcome.change === "new" ? "New" : outcome.change === "escalated" ? "Escalated" : "Repeat"}`, MetricUnit.Count, 1);
      if (outcome.incident.enrichment === "event-time-only") deps.metrics?.addMetric("EnrichmentFallback", MetricUnit.Count, 1);
    }
  }

  return sqsBatchHandler(processRecord, logger, deps.metrics, { release: { sqs: deps.sqs } });
}

/** Kubernetes access from the function environment, or undefined when none is configured. */
export function kubernetesFromEnv(env: FunctionEnv, aws: Pick<AwsClients, "secrets">): KubernetesAccess | undefined {
  const eks =
    env.EKS_CLUSTER_NAME && env.EKS_CLUSTER_ENDPOINT
      ? { clusterName: env.EKS_CLUSTER_NAME, endpoint: env.EKS_CLUSTER_ENDPOINT, ca: env.EKS_CLUSTER_CA, region: process.env.AWS_REGION ?? "us-east-1" }
      : undefined;
  if (!env.KUBECONFIG_SECRET_ARN && !env.KUBECONFIG && !eks) return undefined;
  const load = kubeConfigLoader({ secretArn: env.KUBECONFIG_SECRET_ARN, secrets: aws.secrets, kubeconfigPath: env.KUBECONFIG, eks });
  return createKubernetesAccess(load, env.K8S_TIMEOUT_MS);
}

/** AnalyzeDeps from the function environment (shared/config.ts): the Lambda entry and the sandbox both build analyze this way. */
export function analyzeDepsFromEnv(env: FunctionEnv, aws: Pick<AwsClients, "sqs" | "doc" | "secrets">): AnalyzeDeps {
  if (!env.NOTIFY_QUEUE_URL) throw new Error("analyze needs NOTIFY_QUEUE_URL");
  return {
    sqs: aws.sqs,
    doc: aws.doc,
    tableName: env.INCIDENTS_TABLE,
    notifyQueueUrl: env.NOTIFY_QUEUE_URL,
    analyzeQueueUrl: env.ANALYZE_QUEUE_URL,
    ...(env.ANALYZE_DLQ_URL ? { dlq: { sqs: aws.sqs, url: env.ANALYZE_DLQ_URL } } : {}),
    k8s: kubernetesFromEnv(env, aws),
    cluster: env.OOMWATCH_CLUSTER,
    policy: env.ESCALATION_POLICY,
  };
}

/** The handler as Lambda builds it at cold start: clients, logger and metrics from the environment (metrics go to stdout as EMF). */
export function analyzeHandlerFromEnv(processEnv: NodeJS.ProcessEnv = process.env): SqsHandler {
  const aws = { endpoints: endpointsFromEnv(processEnv) };
  return createAnalyzeHandler({
    ...analyzeDepsFromEnv(loadFunctionEnv(processEnv), { sqs: createSqsClient(aws), ...createDynamoDbClients(aws), secrets: createSecretsClient(aws) }),
    logger: new Logger({ serviceName: "oomwatch-analyze" }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: "analyze" }),
  });
}

let cold: SqsHandler | undefined;

/** Lambda entry point. */
export const handler: SqsHandler = async (event, context) => {
  cold ??= analyzeHandlerFromEnv();
  return cold(event, context);
};
