/**
 * resolve: invoked on a schedule (EventBridge rule, shared/resources.ts RESOLVER) to
 * resolve the incidents quiet for the group window (resolve.ts). `createResolveHandler`
 * takes injected clients (Lambda, sandbox timer, tests); `handler` is the Lambda entry.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { type AwsClients, createDynamoDbClients, createSqsClient, endpointsFromEnv } from "../../shared/clients/aws.ts";
import { type FunctionEnv, loadFunctionEnv } from "../../shared/config.ts";
import { type EscalationPolicy, type EscalationPolicyInput, parsePolicy } from "../../shared/domain/policy.ts";
import type { Incident } from "../../shared/schema/incident.ts";
import { RESOLVER } from "../../shared/resources.ts";
import { resolveQuietIncidents } from "./resolve.ts";

export interface ResolveHandlerDeps {
  sqs: SQSClient;
  doc: DynamoDBDocumentClient;
  tableName: string;
  notifyQueueUrl: string;
  policy?: EscalationPolicy | EscalationPolicyInput | string | undefined;
  now?: () => Date;
  logger?: Logger;
}

export type ResolveHandler = () => Promise<{ resolved: Incident[] }>;

export function createResolveHandler(deps: ResolveHandlerDeps): ResolveHandler {
  const logger = deps.logger ?? new Logger({ serviceName: "oomwatch-resolve" });
  const windowMinutes = parsePolicy(deps.policy).groupWindowMinutes;
  return async () => {
    const resolved = await resolveQuietIncidents({
      ...deps,
      windowMinutes,
      batch: RESOLVER.batch,
      now: deps.now ?? (() => new Date()),
      onUnreadable: (keys) => logger.error("open incidents that are not valid incidents, skipped", { keys }),
    });
    for (const i of resolved) logger.info("incident resolved", { incidentId: i.id, occurrences: i.occurrences, lastSeen: i.lastSeen });
    return { resolved };
  };
}

/** ResolveHandlerDeps from the function environment (shared/config.ts): the Lambda entry and the sandbox both build resolve this way. */
export function resolveDepsFromEnv(env: FunctionEnv, aws: Pick<AwsClients, "sqs" | "doc">): ResolveHandlerDeps {
  if (!env.NOTIFY_QUEUE_URL) throw new Error("resolve needs NOTIFY_QUEUE_URL");
  return { sqs: aws.sqs, doc: aws.doc, tableName: env.INCIDENTS_TABLE, notifyQueueUrl: env.NOTIFY_QUEUE_URL, policy: env.ESCALATION_POLICY };
}

let cold: ResolveHandler | undefined;

/** Lambda entry point (the scheduled event carries nothing the resolver needs). */
export const handler = async (): Promise<{ resolved: number }> => {
  if (!cold) {
    const options = { endpoints: endpointsFromEnv() };
    cold = createResolveHandler(resolveDepsFromEnv(loadFunctionEnv(), { sqs: createSqsClient(options), ...createDynamoDbClients(options) }));
  }
  return { resolved: (await cold()).resolved.length };
};
