/** Batch size, batching window and max concurrency of the runner's event source. */
import { describe, expect, test } from "vitest";
import { sendBodies } from "../support/sqs.ts";
import { queueCounts } from "../../sandbox/lambda-runner/queue-counts.ts";
import { deferred, waitFor } from "../support/wait.ts";
import { startHarness } from "./harness.ts";

const bodies = (n: number) => Array.from({ length: n }, (_, i) => `m${i}`);

describe("lambda runner: batching and concurrency", () => {
  test("batch size is respected", async () => {
    const h = await startHarness(async () => undefined, { batchSize: 4, maxBatchingWindowSeconds: 0, maxConcurrency: 1 });
    await sendBodies(h.aws.clients.sqs, h.queueUrl, bodies(10));
    await h.runner.waitForIdle({ timeoutMs: 5_000 });

    const sizes = h.invocations.map((i) => i.records.length);
    expect(Math.max(...sizes)).toBe(4);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(10);
    expect(h.deliveries().sort()).toEqual(bodies(10).sort());
  });

  test("the batching window gathers more than one receive (SQS returns at most 10) into one batch", async () => {
    const h = await startHarness(async () => undefined, { batchSize: 25, maxBatchingWindowSeconds: 1, maxConcurrency: 1 });
    await sendBodies(h.aws.clients.sqs, h.queueUrl, bodies(25));
    await h.runner.waitForIdle({ timeoutMs: 5_000 });

    expect(h.invocations.map((i) => i.records.length)).toEqual([25]);
  });

  test("maxConcurrency bounds the invocations in flight", async () => {
    let running = 0;
    let most = 0;
    // Invocations hold until the test has seen the runner at its bound: two running, four waiting.
    const release = deferred();
    const h = await startHarness(
      async () => {
        running++;
        most = Math.max(most, running);
        await release.promise;
        running--;
        return undefined;
      },
      { batchSize: 1, maxConcurrency: 2 },
      // Held invocations must not time out (and be redelivered) while the test looks.
      { visibilityTimeoutSeconds: 60 },
    );
    await sendBodies(h.aws.clients.sqs, h.queueUrl, bodies(6));
    await waitFor("two invocations running", () => running === 2);
    // At the bound the poller receives nothing more: only the two running records are in flight.
    expect((await queueCounts(h.aws.clients.sqs, h.queueUrl)).inFlight).toBe(2);
    release.resolve();
    await h.runner.waitForIdle({ timeoutMs: 5_000 });

    expect(h.invocations).toHaveLength(6);
    expect(most).toBe(2);
  });
});
