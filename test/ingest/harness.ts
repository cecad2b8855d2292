/**
 * Test plumbing shared by the ingest and analyze tests: SQS events as the Lambda
 * event source builds them, draining a queue of the local SQS, and crash injection
 * (a client whose n-th call takes effect and then throws, as a crash would).
 */
import { randomUUID } from "node:crypto";
import { ReceiveMessageCommand, type Message, type SQSClient } from "@aws-sdk/client-sqs";
import { Logger } from "@aws-lambda-powertools/logger";
import type { Context, SQSEvent, SQSRecord } from "aws-lambda";
import type { IngestDeps } from "../../functions/ingest/handler.ts";
import type { TestAws } from "../support/aws.ts";

export const quiet = new Logger({ serviceName: "test", logLevel: "SILENT" });

/** Ingest wired to a test's own queues and table. */
export function ingestDeps(aws: TestAws, over: Partial<IngestDeps> = {}): IngestDeps {
  return {
    sqs: aws.clients.sqs,
    doc: aws.clients.doc,
    tableName: aws.tables.incidents,
    analyzeQueueUrl: aws.queues.analyze.url,
    eventsDlqUrl: aws.queues.events.dlqUrl,
    logger: quiet,
    ...over,
  };
}

export function sqsRecord(body: string, messageId: string = randomUUID()): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: "1",
      SentTimestamp: String(Date.now()),
      SenderId: "test",
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:test",
    awsRegion: "us-east-1",
  };
}

export const sqsEvent = (bodies: (string | object)[]): SQSEvent => ({
  Records: bodies.map((b) => sqsRecord(typeof b === "string" ? b : JSON.stringify(b))),
});

export const lambdaContext = {
  functionName: "test",
  functionVersion: "$LATEST",
  invokedFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:test",
  memoryLimitInMB: "512",
  awsRequestId: "req-1",
  logGroupName: "/aws/lambda/test",
  logStreamName: "s",
  callbackWaitsForEmptyEventLoop: false,
  getRemainingTimeInMillis: () => 30_000,
  done: () => {},
  fail: () => {},
  succeed: () => {},
} as Context;

/** Every message currently in the queue (deleted? no: left in flight; each test uses its own queues). */
export async function drain(sqs: SQSClient, queueUrl: string): Promise<Message[]> {
  const out: Message[] = [];
  for (;;) {
    const r = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageAttributeNames: ["All"], VisibilityTimeout: 300 }),
    );
    if (!r.Messages?.length) return out;
    out.push(...r.Messages);
  }
}

export class Crash extends Error {
  constructor(call: number) {
    super(`injected crash after call ${call}`);
  }
}

/**
 * Wraps clients so that call number `crashAfter` (counted across all wrapped clients)
 * is performed and then throws. `calls` tells how many calls a clean run makes.
 */
export function crashingClients<T extends Record<string, { send: (...a: never[]) => Promise<unknown> }>>(clients: T, crashAfter: number) {
  const state = { calls: 0 };
  const wrapped = {} as T;
  for (const [name, client] of Object.entries(clients)) {
    wrapped[name as keyof T] = new Proxy(client, {
      get(target, prop, receiver) {
        if (prop !== "send") return Reflect.get(target, prop, receiver);
        return async (...args: never[]) => {
          const result = await target.send(...args);
          state.calls++;
          if (state.calls === crashAfter) throw new Crash(state.calls);
          return result;
        };
      },
    }) as T[keyof T];
  }
  return { clients: wrapped, state };
}
