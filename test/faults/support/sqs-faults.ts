/**
 * SQS faults as AWS SDK middleware on a part's own client, so the code under test
 * keeps calling the real SDK against the emulator: every send made twice, or the
 * service unreachable while a switch is on.
 */
import type { SQSClient } from "@aws-sdk/client-sqs";
import { createAwsClients } from "../../../shared/clients/aws.ts";
import type { LocalAws } from "../../../sandbox/local-aws.ts";

const SENDS = new Set(["SendMessageCommand", "SendMessageBatchCommand"]);

/** A new SQS client to the emulator (its own middleware stack). */
export function ownSqsClient(aws: LocalAws): SQSClient {
  return createAwsClients({ endpoints: aws.endpoints }).sqs;
}

/** Every SendMessage/SendMessageBatch is sent twice: each message arrives as two SQS messages. */
export function duplicateSends(sqs: SQSClient, counter: { duplicated: number }): SQSClient {
  sqs.middlewareStack.add(
    (next, context) => async (args) => {
      const first = await next(args);
      if (SENDS.has(context.commandName ?? "")) {
        await next(args);
        const input = args.input as { Entries?: unknown[] };
        counter.duplicated += input.Entries?.length ?? 1;
      }
      return first;
    },
    { step: "initialize", name: "faultDuplicateSends" },
  );
  return sqs;
}

/** Like a network that is down: while `isDown()`, every call fails before reaching SQS. */
export function unreachableWhile(sqs: SQSClient, isDown: () => boolean, counter: { refused: number }): SQSClient {
  sqs.middlewareStack.add(
    (next) => async (args) => {
      if (isDown()) {
        counter.refused++;
        throw Object.assign(new Error("connect ECONNREFUSED (fault injection: SQS unreachable)"), { code: "ECONNREFUSED", $retryable: {} });
      }
      return next(args);
    },
    { step: "finalizeRequest", name: "faultUnreachable", priority: "low" },
  );
  return sqs;
}

/** Runs `fn` on every SendMessageBatch input before it is sent (e.g. to add entries to it). */
export function editBatches(sqs: SQSClient, fn: (input: { QueueUrl?: string; Entries?: { Id?: string; MessageBody?: string }[] }) => void): SQSClient {
  sqs.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === "SendMessageBatchCommand") fn(args.input as Parameters<typeof fn>[0]);
      return next(args);
    },
    { step: "initialize", name: "faultEditBatches" },
  );
  return sqs;
}
