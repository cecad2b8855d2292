/**
 * Records notify will never deliver (malformed, or refused by Slack for good)
 * go to the notify DLQ with the reason, in the same attribute shape ingest uses,
 * so they can be inspected and replayed after the cause is fixed.
 */
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { SQSRecord } from "aws-lambda";
import { DLQ_ATTRIBUTES } from "../ingest/dead-letter.ts";

export type NotifyDeadLetterCode = "INVALID_JSON" | "SCHEMA" | "SLACK_PERMANENT";

export interface DeadLetterTarget {
  sqs: SQSClient;
  url: string;
}

export async function sendToNotifyDeadLetter(dlq: DeadLetterTarget, record: SQSRecord, code: NotifyDeadLetterCode, reason: string): Promise<void> {
  await dlq.sqs.send(
    new SendMessageCommand({
      QueueUrl: dlq.url,
      MessageBody: record.body.length > 0 ? record.body : "<empty>",
      MessageAttributes: {
        [DLQ_ATTRIBUTES.error]: { DataType: "String", StringValue: code },
        [DLQ_ATTRIBUTES.reason]: { DataType: "String", StringValue: (reason || code).slice(0, 1000) },
        [DLQ_ATTRIBUTES.sourceMessageId]: { DataType: "String", StringValue: record.messageId },
      },
    }),
  );
}
