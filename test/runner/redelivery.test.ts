/** Failure semantics of the Lambda SQS event source, through the real SQS client and local-aws-sqs. */
import { describe, expect, test } from "vitest";
import { receiveAtLeast, queueDepth, sendBodies } from "../support/sqs.ts";
import { deferred } from "../support/wait.ts";
import { failBodies, startHarness } from "./harness.ts";

describe("lambda runner: redelivery and redrive", () => {
  test("a record failed twice lands in the DLQ with maxReceiveCount 2", async () => {
    const h = await startHarness(async (event) => failBodies(event, ["bad"]), {}, { maxReceiveCount: 2 });
    await sendBodies(h.aws.clients.sqs, h.queueUrl, ["good", "bad"]);

    const [dead] = await receiveAtLeast(h.aws.clients.sqs, h.dlqUrl, 1);
    expect(dead?.Body).toBe("bad");
    expect(dead?.Attributes?.DeadLetterQueueSourceArn).toBe(h.queueArn);
    await h.runner.waitForIdle({ timeoutMs: 5_000 });

    const bad = h.invocations.flatMap((i) => i.records).filter((r) => r.body === "bad");
    expect(bad.map((r) => r.attributes.ApproximateReceiveCount)).toEqual(["1", "2"]);
    expect(h.deliveries().filter((b) => b === "good")).toHaveLength(1);
    expect(h.runner.stats()).toMatchObject({ succeeded: 1, failed: 2, redriven: 1, throws: 0 });
    expect(await queueDepth(h.aws.clients.sqs, h.queueUrl)).toBe(0);
  });

  test("a partial batch failure redelivers only the failed record", async () => {
    const h = await startHarness(async (event, _ctx, call) => (call === 1 ? failBodies(event, ["b"]) : undefined));
    await sendBodies(h.aws.clients.sqs, h.queueUrl, ["a", "b", "c"]);
    await h.runner.waitForIdle({ timeoutMs: 8_000 });

    expect(h.invocations.map((i) => i.records.map((r) => r.body).sort())).toEqual([["a", "b", "c"], ["b"]]);
    expect(h.invocations[1]?.records[0]?.attributes.ApproximateReceiveCount).toBe("2");
    expect(h.runner.stats()).toMatchObject({ invocations: 2, records: 4, succeeded: 3, failed: 1, redriven: 0 });
    expect(await queueDepth(h.aws.clients.sqs, h.dlqUrl)).toBe(0);
  });

  test("a throw redelivers the whole batch", async () => {
    const h = await startHarness(async (_event, _ctx, call) => {
      if (call === 1) throw new Error("boom");
      return undefined;
    });
    const ids = await sendBodies(h.aws.clients.sqs, h.queueUrl, ["a", "b", "c"]);
    await h.runner.waitForIdle({ timeoutMs: 8_000 });

    expect(h.invocations).toHaveLength(2);
    for (const inv of h.invocations) expect(inv.records.map((r) => r.messageId).sort()).toEqual([...ids].sort());
    expect(h.invocations[1]?.records.map((r) => r.attributes.ApproximateReceiveCount)).toEqual(["2", "2", "2"]);
    expect(h.runner.stats()).toMatchObject({ throws: 1, succeeded: 3, failed: 3 });
  });

  test("an unknown itemIdentifier fails the whole batch, as Lambda does", async () => {
    const h = await startHarness(async (_event, _ctx, call) =>
      call === 1 ? { batchItemFailures: [{ itemIdentifier: "not-a-message-id" }] } : undefined,
    );
    await sendBodies(h.aws.clients.sqs, h.queueUrl, ["a", "b"]);
    await h.runner.waitForIdle({ timeoutMs: 8_000 });

    expect(h.invocations.map((i) => i.records.length)).toEqual([2, 2]);
    expect(h.runner.stats()).toMatchObject({ succeeded: 2, failed: 2, throws: 0 });
  });

  test("a handler past its timeout fails the batch, which SQS redelivers after the visibility timeout", async () => {
    // The first call runs until the redelivery arrives: still running when its 0.3 s timeout ends.
    const redelivered = deferred();
    const h = await startHarness(
      async (_event, _ctx, call) => {
        if (call === 1) await redelivered.promise;
        else redelivered.resolve();
        return undefined;
      },
      { timeoutSeconds: 0.3 },
    );
    await sendBodies(h.aws.clients.sqs, h.queueUrl, ["slow"]);
    await h.runner.waitForIdle({ timeoutMs: 8_000 });

    expect(h.deliveries()).toEqual(["slow", "slow"]);
    expect(h.invocations[1]?.records[0]?.attributes.ApproximateReceiveCount).toBe("2");
    expect(h.runner.stats()).toMatchObject({ timeouts: 1, succeeded: 1, failed: 1 });
  });
});
