/** Starts a Lambda runner on one test queue and records every invocation the handler sees. */
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { onTestFinished } from "vitest";
import {
  type FunctionOverrides,
  functionFromResources,
  type LambdaRunner,
  type RunnerLogger,
  startLambdaRunner,
} from "../../sandbox/lambda-runner.ts";
import type { QueueOverrides } from "../../sandbox/local-aws.ts";
import { createTestAws, type TestAws } from "../support/aws.ts";

export const silentLogger: RunnerLogger = { info() {}, warn() {}, error() {} };

export interface Invocation {
  records: SQSRecord[];
  context: Context;
}

export type TestHandler = (event: SQSEvent, context: Context, call: number) => Promise<SQSBatchResponse | undefined>;

export interface Harness {
  aws: TestAws;
  runner: LambdaRunner;
  queueUrl: string;
  dlqUrl: string;
  queueArn: string;
  invocations: Invocation[];
  /** Bodies in the order the handler saw them, one entry per delivery. */
  deliveries(): string[];
}

/** 1 s visibility so redelivery takes a second; the notify function's definition with test overrides. */
export async function startHarness(
  handler: TestHandler,
  fn: FunctionOverrides = {},
  queues: QueueOverrides = {},
): Promise<Harness> {
  const aws = await createTestAws("runner", { visibilityTimeoutSeconds: 1, ...queues });
  const invocations: Invocation[] = [];
  const runner = startLambdaRunner({
    sqs: aws.clients.sqs,
    logger: silentLogger,
    pollIntervalMs: 20,
    maxPollIntervalMs: 100,
    functions: [
      functionFromResources(
        "notify",
        aws.queues,
        (event, context) => {
          invocations.push({ records: event.Records, context });
          return handler(event, context, invocations.length);
        },
        fn,
      ),
    ],
  });
  onTestFinished(() => runner.stop());
  const q = aws.queues.notify;
  return {
    aws,
    runner,
    queueUrl: q.url,
    dlqUrl: q.dlqUrl,
    queueArn: q.arn,
    invocations,
    deliveries: () => invocations.flatMap((i) => i.records.map((r) => r.body)),
  };
}

export function failBodies(event: SQSEvent, bodies: readonly string[]): SQSBatchResponse {
  return {
    batchItemFailures: event.Records.filter((r) => bodies.includes(r.body)).map((r) => ({ itemIdentifier: r.messageId })),
  };
}
