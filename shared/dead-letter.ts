/**
 * Records that can never succeed go to their queue's DLQ at once, with the reason as
 * message attributes (one shape for every function), so they can be inspected and
 * replayed after the cause is fixed. The body is kept byte for byte.
 */
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { SQSRecord } from "aws-lambda";

export const DLQ_ATTRIBUTES = {
  error: "oomwatch-error",
  reason: "oomwatch-error-reason",
  sourceMessageId: "oomwatch-source-message-id",
} as const;

export interface DeadLetterTarget {
  sqs: SQSClient;
  url: string;
}

export async function sendToDeadLetter(dlq: DeadLetterTarget, record: SQSRecord, code: string, reason: string): Promise<void> {
  await dlq.sqs.send(
    new SendMessageCommand({
      QueueUrl: dlq.url,
      // SQS rejects an empty body.
      MessageBody: record.body.length > 0 ? record.body : "<empty>",
      MessageAttributes: {
        [DLQ_ATTRIBUTES.error]: { DataType: "String", StringValue: code },
        [DLQ_ATTRIBUTES.reason]: { DataType: "String", StringValue: (reason || code).slice(0, 1000) },
        [DLQ_ATTRIBUTES.sourceMessageId]: { DataType: "String", StringValue: record.messageId },
      },
    }),
  );
}
