/**
 * A notify test bench on the real emulators: the Slack sink (through the real
 * WebClient), the local DynamoDB (createTestAws), the local EventBridge sink.
 */
import { randomUUID } from "node:crypto";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { startEventBridgeSink, type EventBridgeSink } from "../../sandbox/eventbridge-sink.ts";
import { startSlackSink, type SlackSink, type SlackSinkOptions } from "../../sandbox/slack-sink.ts";
import { createAwsClients } from "../../shared/clients/aws.ts";
import { createSlackClient } from "../../functions/notify/slack-poster.ts";
import type { Incident, NotifyRequest } from "../../shared/schema/incident.ts";
import { toIncidentItem } from "../../shared/storage/incident-item.ts";
import { createNotifyHandler, type NotifyDeps } from "../../functions/notify/handler.ts";
import { createTestAws, type TestAws } from "../support/aws.ts";
import { lambdaContext, sqsRecord } from "../support/lambda.ts";

export interface Bench {
  aws: TestAws;
  slackSink: SlackSink;
  events: EventBridgeSink;
  deps: NotifyDeps;
  metrics: Metrics;
  metricNames: string[];
  store(incident: Incident): Promise<void>;
  /** Runs the handler on one batch; `messageIds` lets a test redeliver the same SQS message. */
  run(requests: Array<NotifyRequest | string>, opts?: { messageIds?: string[]; deps?: Partial<NotifyDeps> }): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startBench(sinkOptions: SlackSinkOptions = {}, over: Partial<NotifyDeps> = {}): Promise<Bench> {
  const aws = await createTestAws("notify");
  const slackSink = await startSlackSink({ channels: ["oom-alerts", "ops", "payments-oncall", "team-checkout"], ...sinkOptions });
  const events = await startEventBridgeSink();
  const eventbridge = createAwsClients({ endpoints: { eventbridge: events.endpoint }, maxAttempts: 1 }).eventbridge;
  const metrics = new Metrics({ namespace: "oomwatch-test", serviceName: "notify" });
  const metricNames: string[] = [];
  const add = metrics.addMetric.bind(metrics);
  metrics.addMetric = (name, unit, value) => {
    metricNames.push(name);
    return add(name, unit, value);
  };
  // no EMF lines on stdout in tests
  metrics.publishStoredMetrics = () => {
    metrics.clearMetrics();
    return metrics;
  };
  const deps: NotifyDeps = {
    slack: createSlackClient(slackSink.token, slackSink.url, { timeoutMs: 400, retries: 0 }),
    doc: aws.clients.doc,
    tableName: aws.tables.incidents,
    eventbridge,
    busName: "oomwatch-test",
    routing: { defaultChannel: "#oom-alerts", channelMap: { payments: "#payments-oncall" }, opsChannel: "#ops", opsMention: "@here" },
    runbookBaseUrl: "https://runbooks.example/docs/runbooks",
    dlq: { sqs: aws.clients.sqs, url: aws.queues.notify.dlqUrl },
    logger: new Logger({ logLevel: "SILENT" }),
    metrics,
    ...over,
  };
  return {
    aws,
    slackSink,
    events,
    deps,
    metrics,
    metricNames,
    async store(incident) {
      await aws.clients.doc.send(new PutCommand({ TableName: aws.tables.incidents, Item: toIncidentItem(incident) }));
    },
    async run(requests, opts = {}) {
      const handler = createNotifyHandler({ ...deps, ...opts.deps });
      const records = requests.map((r, n) => sqsRecord(typeof r === "string" ? r : JSON.stringify(r), opts.messageIds?.[n] ?? randomUUID()));
      const res = await handler({ Records: records }, lambdaContext);
      return res.batchItemFailures.map((f) => f.itemIdentifier);
    },
    async stop() {
      eventbridge.destroy();
      await Promise.all([slackSink.stop(), events.stop()]);
    },
  };
}

/** The incident id a Slack message carries in its metadata. */
export const incidentIdOf = (m: { metadata?: { event_payload: Record<string, unknown> } }): unknown => m.metadata?.event_payload.incident_id;
