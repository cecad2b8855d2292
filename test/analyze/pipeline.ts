/** Runs occurrences through the real ingest and analyze factories over the local SQS/DynamoDB. */
import { DeleteMessageCommand } from "@aws-sdk/client-sqs";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { type AnalyzeDeps, createAnalyzeHandler } from "../../functions/analyze/handler.ts";
import { createIngestHandler } from "../../functions/ingest/handler.ts";
import { type Incident, type NotifyRequest, NotifyRequestSchema } from "../../shared/schema/incident.ts";
import type { Occurrence } from "../../shared/schema/occurrence.ts";
import { fromIncidentItem, INCIDENT_SK, incidentPk } from "../../shared/storage/incident-item.ts";
import type { TestAws } from "../support/aws.ts";
import { ingestDeps } from "../ingest/harness.ts";
import { lambdaContext, quiet, sqsEvent, sqsRecord } from "../support/lambda.ts";
import { drain } from "../support/sqs.ts";

export function analyzeDeps(aws: TestAws, over: Partial<AnalyzeDeps> = {}): AnalyzeDeps {
  return {
    sqs: aws.clients.sqs,
    doc: aws.clients.doc,
    tableName: aws.tables.incidents,
    notifyQueueUrl: aws.queues.notify.url,
    analyzeQueueUrl: aws.queues.analyze.url,
    cluster: "prod-eu",
    logger: quiet,
    ...over,
  };
}

/** Takes every message off a queue (receive + delete). */
export async function take(aws: TestAws, url: string) {
  const msgs = await drain(aws.clients.sqs, url);
  for (const m of msgs) await aws.clients.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle! }));
  return msgs;
}

export interface Pipeline {
  /** Ingests the occurrences (`batchSize` per batch), analysing until the analyze queue is empty after each batch. */
  run(os: Occurrence[], batchSize?: number): Promise<NotifyRequest[]>;
  incident(id: string): Promise<Incident | undefined>;
  rawIncident(id: string): Promise<Record<string, unknown> | undefined>;
}

export function pipeline(aws: TestAws, over: Partial<AnalyzeDeps> = {}): Pipeline {
  const ingest = createIngestHandler(ingestDeps(aws));
  const analyze = createAnalyzeHandler(analyzeDeps(aws, over));
  const rawIncident = async (id: string) =>
    (await aws.clients.doc.send(new GetCommand({ TableName: aws.tables.incidents, Key: { pk: incidentPk(id), sk: INCIDENT_SK } }))).Item;
  return {
    async run(os, batchSize = 1) {
      for (let i = 0; i < os.length; i += batchSize) {
        await ingest(sqsEvent(os.slice(i, i + batchSize)), lambdaContext);
        for (let round = 0; round < 5; round++) {
          const msgs = await take(aws, aws.queues.analyze.url);
          if (msgs.length === 0) break;
          const res = await analyze({ Records: msgs.map((m) => sqsRecord(m.Body!, m.MessageId)) }, lambdaContext);
          if (res.batchItemFailures.length) throw new Error(`analyze failed ${res.batchItemFailures.length} records`);
        }
      }
      return (await take(aws, aws.queues.notify.url)).map((m) => NotifyRequestSchema.parse(JSON.parse(m.Body!)));
    },
    rawIncident,
    async incident(id) {
      const item = await rawIncident(id);
      return item ? fromIncidentItem(item) : undefined;
    },
  };
}
