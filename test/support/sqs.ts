/**
 * SQS helpers for tests: send bodies, read a queue (e.g. a DLQ) until messages arrive, take what is
 * there now, count what is left, hold a client's sends until the test lets them go.
 */
import {
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { pendingMessages, queueCounts } from "../../sandbox/lambda-runner/queue-counts.ts";
import { deferred, eventually } from "./wait.ts";

/** Sends the bodies in order (SendMessageBatch, 10 per call); returns their message ids. */
export async function sendBodies(
  sqs: SQSClient,
  queueUrl: string,
  bodies: readonly string[],
  messageAttributes?: Record<string, MessageAttributeValue>,
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < bodies.length; i += 10) {
    const out = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: bodies.slice(i, i + 10).map((body, n) => ({
          Id: String(n),
          MessageBody: body,
          ...(messageAttributes ? { MessageAttributes: messageAttributes } : {}),
        })),
      }),
    );
    if (out.Failed?.length) throw new Error(`SendMessageBatch failed: ${JSON.stringify(out.Failed)}`);
    ids.push(...(out.Successful ?? []).map((s) => s.MessageId!));
  }
  return ids;
}

/** Receives from the queue until `count` messages have been seen (they stay in flight, not deleted). */
export async function receiveAtLeast(sqs: SQSClient, queueUrl: string, count: number, timeoutMs = 10_000): Promise<Message[]> {
  const seen: Message[] = [];
  await eventually(
    async () => {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          AttributeNames: ["All"],
          MessageAttributeNames: ["All"],
        }),
      );
      seen.push(...(out.Messages ?? []));
      if (seen.length < count) throw new Error(`${seen.length} of ${count} messages on ${queueUrl}`);
    },
    { timeoutMs },
  );
  return seen;
}

/** Every message currently in the queue, left in flight (not deleted: each test uses its own queues). */
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

/** Visible + in-flight + delayed messages. */
export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  return pendingMessages(await queueCounts(sqs, queueUrl));
}

export interface HeldSends {
  /** Message bodies of each SendMessageBatch call being held, in call order. */
  held: string[][];
  /** Lets the held calls and every later one through to SQS. */
  release(): void;
}

/**
 * Holds every SendMessageBatch of `sqs` until `release()`: the caller's messages stay in
 * flight for as long as the test needs, without a proxy or a timer.
 */
export function holdSends(sqs: SQSClient): HeldSends {
  const gate = deferred();
  const held: string[][] = [];
  sqs.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === "SendMessageBatchCommand") {
        const input = args.input as { Entries?: { MessageBody?: string }[] };
        held.push((input.Entries ?? []).map((e) => e.MessageBody ?? ""));
        await gate.promise;
      }
      return next(args);
    },
    { step: "initialize", name: "testHoldSends" },
  );
  return { held, release: () => gate.resolve() };
}
