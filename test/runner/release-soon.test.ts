/**
 * A record that failed on contention is handed back with ChangeMessageVisibility and
 * retried in seconds: local-aws-sqs honours the call through the real SQS client, and the
 * runner (which leaves visibility to SQS) picks the record up again long before the
 * deployed visibility timeout (6 min for analyze).
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { ChangeMessageVisibilityCommand, ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { describe, expect, test } from "vitest";
import { QUEUES } from "../../shared/resources.ts";
import { sqsBatchHandler } from "../../shared/sqs-batch.ts";
import { WriteContentionError } from "../../shared/storage/conditions.ts";
import { sendBodies } from "../support/sqs.ts";
import { createTestAws } from "../support/aws.ts";
import { eventually } from "../support/wait.ts";
import { startHarness } from "./harness.ts";

const quiet = new Logger({ logLevel: "SILENT" });

describe("records handed back early", () => {
  test("local-aws-sqs makes a message visible again after ChangeMessageVisibility, at the deployed visibility timeout", async () => {
    const aws = await createTestAws("visibility");
    const sqs = aws.clients.sqs;
    const url = aws.queues.analyze.url;
    await sendBodies(sqs, url, ["m"]);
    const first = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 1, WaitTimeSeconds: 0 }));
    const msg = first.Messages?.[0];
    expect(msg?.Body).toBe("m");
    // Invisible for the queue's 360 s now: a receive finds nothing.
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 0 }))).Messages ?? []).toHaveLength(0);
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: msg!.ReceiptHandle!, VisibilityTimeout: 1 }));
    const again = await eventually(async () => {
      const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 0, AttributeNames: ["All"] }));
      const count = out.Messages?.[0]?.Attributes?.ApproximateReceiveCount;
      if (!count) throw new Error("not visible yet");
      return count;
    });
    // Real SQS says 2. local-aws-sqs counts the ChangeMessageVisibility as a receive too, so in
    // the sandbox a handed-back record reaches maxReceiveCount sooner (never later) than in AWS.
    expect(Number(again)).toBeGreaterThanOrEqual(2);
  });

  test("the runner redelivers a contended record in seconds, not after the visibility timeout", async () => {
    const calls: string[] = [];
    let contendedOnce = false;
    let sqsClient: SQSClient | undefined;
    const h = await startHarness(
      (event, context) => {
        const handler = sqsBatchHandler(
          async (record) => {
            calls.push(record.body);
            if (record.body === "contended" && !contendedOnce) {
              contendedOnce = true;
              throw new WriteContentionError("incident x", 3, "other writers won");
            }
          },
          quiet,
          undefined,
          { release: { sqs: sqsClient!, random: () => 0 } },
        );
        return handler(event, context);
      },
      {},
      // The deployed settings: the notify queue's 180 s visibility timeout.
      { visibilityTimeoutSeconds: QUEUES.notify.visibilityTimeoutSeconds },
    );
    sqsClient = h.aws.clients.sqs;
    await sendBodies(h.aws.clients.sqs, h.queueUrl, ["plain", "contended"]);
    // Far below the 180 s visibility timeout: passes only if the record was handed back.
    await h.runner.waitForIdle({ timeoutMs: 20_000 });
    expect(calls.sort()).toEqual(["contended", "contended", "plain"]);
    expect(h.runner.stats()).toMatchObject({ succeeded: 2, failed: 1, redriven: 0 });
  });
});
