/** Event and context shapes, shutdown and configuration checks of the runner. */
import { createHash } from "node:crypto";
import { describe, expect, test } from "vitest";
import { functionFromResources, installSignalHandlers, startLambdaRunner } from "../../sandbox/lambda-runner.ts";
import { queueDepth, receiveAtLeast, sendBodies } from "../support/sqs.ts";
import { deferred, eventually, sleep } from "../support/wait.ts";
import { silentLogger, startHarness } from "./harness.ts";

describe("lambda runner: event, context and lifecycle", () => {
  test("records have Lambda's SQSRecord shape and the remaining time counts down from the timeout", async () => {
    const remaining: number[] = [];
    const h = await startHarness(
      async (_event, context) => {
        remaining.push(context.getRemainingTimeInMillis());
        await sleep(100);
        remaining.push(context.getRemainingTimeInMillis());
        return undefined;
      },
      { timeoutSeconds: 0.8 },
    );
    await sendBodies(h.aws.clients.sqs, h.queueUrl, ["hello"], {
      kind: { DataType: "String", StringValue: "test" },
      raw: { DataType: "Binary", BinaryValue: new Uint8Array([1, 2, 3]) },
    });
    await h.runner.waitForIdle({ timeoutMs: 5_000 });

    const [first, second] = remaining;
    expect(first).toBeLessThanOrEqual(800);
    expect(first).toBeGreaterThan(0);
    expect(second).toBeLessThan(first!);
    const { records, context } = h.invocations[0]!;
    expect(context).toMatchObject({ functionName: "notify", memoryLimitInMB: "512", functionVersion: "$LATEST" });
    expect(context.invokedFunctionArn).toMatch(/^arn:aws:lambda:us-east-1:\d+:function:notify$/);
    expect(records[0]).toMatchObject({
      body: "hello",
      eventSource: "aws:sqs",
      eventSourceARN: h.queueArn,
      awsRegion: "us-east-1",
      md5OfBody: createHash("md5").update("hello").digest("hex"),
      attributes: { ApproximateReceiveCount: "1", SentTimestamp: expect.stringMatching(/^\d+$/) },
      messageAttributes: {
        kind: { dataType: "String", stringValue: "test", stringListValues: [], binaryListValues: [] },
        raw: { dataType: "Binary", binaryValue: "AQID" },
      },
    });
    expect(records[0]?.receiptHandle).toBeTruthy();
  });

  test("stop() lets the in-flight batch finish and delete its records, then polls no more", async () => {
    const started = deferred();
    const release = deferred();
    const h = await startHarness(async () => {
      started.resolve();
      await release.promise;
      return undefined;
    });
    await sendBodies(h.aws.clients.sqs, h.queueUrl, ["in-flight"]);
    await started.promise;

    // Order, not time: the handler finishes (when the test releases it) before stop() resolves.
    const order: string[] = [];
    const stopping = h.runner.stop().then(() => void order.push("stopped"));
    order.push("released");
    release.resolve();
    await stopping;
    expect(order).toEqual(["released", "stopped"]);

    expect(h.runner.stats()).toMatchObject({ succeeded: 1, inFlight: 0 });
    expect(await queueDepth(h.aws.clients.sqs, h.queueUrl)).toBe(0);
    // The next message is the test's to take: first receive, so the stopped runner never had it.
    await sendBodies(h.aws.clients.sqs, h.queueUrl, ["after-stop"]);
    const [after] = await receiveAtLeast(h.aws.clients.sqs, h.queueUrl, 1);
    expect(after).toMatchObject({ Body: "after-stop", Attributes: { ApproximateReceiveCount: "1" } });
    expect(h.deliveries()).toEqual(["in-flight"]);
  });

  test("a signal stops the runner, then runs onStopped", async () => {
    const h = await startHarness(async () => undefined);
    const order: string[] = [];
    const runner = {
      stop: async () => {
        await h.runner.stop();
        order.push("stopped");
      },
    };
    // SIGUSR2 instead of SIGTERM: emitting SIGTERM would also reach the test worker's own handlers.
    const uninstall = installSignalHandlers(runner, { exit: false, signals: ["SIGUSR2"], onStopped: () => void order.push("onStopped") });
    try {
      process.emit("SIGUSR2", "SIGUSR2");
      await eventually(() => expect(order).toEqual(["stopped", "onStopped"]));
    } finally {
      uninstall();
    }
  });

  test("settings AWS would refuse are refused", async () => {
    const h = await startHarness(async () => undefined);
    const fn = functionFromResources("notify", h.aws.queues, async () => undefined);
    const start = (overrides: object) =>
      startLambdaRunner({ sqs: h.aws.clients.sqs, logger: silentLogger, functions: [{ ...fn, ...overrides }] });
    expect(() => start({ timeoutSeconds: 5 })).toThrow(/visibility timeout 1 s is less than the function timeout 5 s/);
    expect(() => start({ batchSize: 11, maxBatchingWindowSeconds: 0 })).toThrow(/batching window/);
    expect(() => startLambdaRunner({ sqs: h.aws.clients.sqs, functions: [fn, fn] })).toThrow(/listed twice/);
  });

  test("functionFromResources caps the timeout at a shortened visibility timeout", async () => {
    const h = await startHarness(async () => undefined, {}, { maxReceiveCount: 3 });
    const fn = functionFromResources("analyze", h.aws.queues, async () => undefined);
    expect(fn).toMatchObject({ name: "analyze", timeoutSeconds: 1, visibilityTimeoutSeconds: 1, maxReceiveCount: 3, batchSize: 10 });
    expect(fn.queueUrl).toBe(h.aws.queues.analyze.url);
  });
});
