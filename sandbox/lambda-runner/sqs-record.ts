/**
 * SQS `Message` (as ReceiveMessage returns it) → the `SQSRecord` Lambda hands to a
 * function: camelCase attribute shape, base64 binary values, `aws:sqs` source.
 */
import type { Message, MessageAttributeValue } from "@aws-sdk/client-sqs";
import type { SQSMessageAttribute, SQSMessageAttributes, SQSRecord, SQSRecordAttributes } from "aws-lambda";

export interface ArnParts {
  region: string;
  account: string;
}

/** `arn:aws:sqs:<region>:<account>:<name>` → region and account. */
export function arnParts(arn: string): ArnParts {
  const [, , , region, account] = arn.split(":");
  if (!region || !account) throw new Error(`not a regional ARN: ${arn}`);
  return { region, account };
}

function base64(value: Uint8Array): string {
  return Buffer.from(value).toString("base64");
}

function toLambdaAttribute(value: MessageAttributeValue): SQSMessageAttribute {
  // Lambda always sends the (reserved) list fields as empty arrays.
  return {
    dataType: value.DataType ?? "String",
    ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
    ...(value.BinaryValue !== undefined ? { binaryValue: base64(value.BinaryValue) } : {}),
    stringListValues: value.StringListValues ?? [],
    binaryListValues: (value.BinaryListValues ?? []).map(base64),
  };
}

function toLambdaAttributes(attrs: Record<string, MessageAttributeValue> | undefined): SQSMessageAttributes {
  const out: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(attrs ?? {})) out[name] = toLambdaAttribute(value);
  return out;
}

function systemAttributes(message: Message): SQSRecordAttributes {
  const a: Record<string, string | undefined> = message.Attributes ?? {};
  if (a.ApproximateReceiveCount === undefined) {
    // The runner asks for all attributes; without the count redrive accounting is impossible.
    throw new Error(`message ${message.MessageId} was received without ApproximateReceiveCount`);
  }
  const optional = ["AWSTraceHeader", "SequenceNumber", "MessageGroupId", "MessageDeduplicationId", "DeadLetterQueueSourceArn"] as const;
  const out: SQSRecordAttributes = {
    ApproximateReceiveCount: a.ApproximateReceiveCount,
    SentTimestamp: a.SentTimestamp ?? "",
    SenderId: a.SenderId ?? "",
    ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? "",
  };
  for (const key of optional) {
    const value = a[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

export function toSqsRecord(message: Message, queueArn: string): SQSRecord {
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? "",
    attributes: systemAttributes(message),
    messageAttributes: toLambdaAttributes(message.MessageAttributes),
    md5OfBody: message.MD5OfBody ?? "",
    ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
    eventSource: "aws:sqs",
    eventSourceARN: queueArn,
    awsRegion: arnParts(queueArn).region,
  };
}
