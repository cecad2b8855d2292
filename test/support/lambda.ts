/**
 * Lambda's view of an SQS delivery for calling a handler directly: records and events as the
 * SQS event source builds them, a Lambda context, a silent Powertools logger.
 */
import { randomUUID } from "node:crypto";
import { Logger } from "@aws-lambda-powertools/logger";
import type { Context, SQSEvent, SQSRecord } from "aws-lambda";

export const quiet = new Logger({ serviceName: "test", logLevel: "SILENT" });

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
