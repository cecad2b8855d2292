/** Sends a poison record to the events DLQ with why it was rejected (message attributes). */
import type { SQSRecord } from "aws-lambda";
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { PoisonCode } from "./validate.ts";

export const DLQ_ATTRIBUTES = {
  error: "oomwatch-error",
  reason: "oomwatch-error-reason",
  sourceMessageId: "oomwatch-source-message-id",
} as const;

export async function sendToDeadLetter(sqs: SQSClient, dlqUrl: string, record: SQSRecord, code: PoisonCode, reason: string): Promise<void> {
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: dlqUrl,
      // SQS rejects an empty body; keep the original otherwise, byte for byte.
      MessageBody: record.body.length > 0 ? record.body : "<empty>",
      MessageAttributes: {
        [DLQ_ATTRIBUTES.error]: { DataType: "String", StringValue: code },
        [DLQ_ATTRIBUTES.reason]: { DataType: "String", StringValue: reason || code },
        [DLQ_ATTRIBUTES.sourceMessageId]: { DataType: "String", StringValue: record.messageId },
      },
    }),
  );
}
