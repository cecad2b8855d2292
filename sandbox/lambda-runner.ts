/**
 * Local stand-in for the Lambda SQS event source: runs the functions' handlers against
 * the emulated queues with Lambda's semantics (batch size and batching window, max
 * concurrency, function timeout, ReportBatchItemFailures, whole-batch retry on throw).
 * Redelivery after the visibility timeout (or after a handler's ChangeMessageVisibility, which
 * goes straight to the queue as in AWS) and redrive to the DLQ are left to SQS: local-aws-sqs
 * implements RedrivePolicy (it moves a message whose visibility timeout expires with
 * ApproximateReceiveCount >= maxReceiveCount; real SQS does it on the next receive — same
 * outcome for a consumer), so the runner never changes visibility or moves messages itself.
 * It notes the visibility changes made through its own client, to say when failed records
 * come back (`waiting`).
 * Not modelled: the 6 MB invocation payload limit, and killing a handler that timed out
 * (its batch counts as failed, but its promise keeps running unobserved).
 */
import type { SQSClient } from "@aws-sdk/client-sqs";
import { FUNCTIONS, QUEUES, type FunctionId, type QueueId } from "../shared/resources.ts";
import type { QueueUrls } from "./local-aws.ts";
import { FunctionPoller } from "./lambda-runner/poller.ts";
import { pendingMessages, queueCounts } from "./lambda-runner/queue-counts.ts";
import type { RedeliveryStats, WaitingRecords } from "./lambda-runner/record-tracker.ts";
import {
  addStats,
  emptyStats,
  type InvokeEvent,
  type RunnerFunction,
  type RunnerLogger,
  type RunnerStats,
  type SqsHandler,
} from "./lambda-runner/types.ts";

export type { InvokeEvent, RunnerFunction, RunnerLogger, RunnerStats, SqsHandler } from "./lambda-runner/types.ts";
export type { RedeliveryStats, WaitingRecords } from "./lambda-runner/record-tracker.ts";

export interface LambdaRunner {
  /** Stats of one function, or the sum over all functions. */
  stats(name?: string): RunnerStats;
  /** Redeliveries of one function's records, or of all (summed; the longest wait overall). */
  redeliveries(name?: string): RedeliveryStats;
  /** Failed records of each function not received again yet, and when they become visible. */
  waiting(): Record<string, WaitingRecords & { queueUrl: string; visibilityTimeoutSeconds: number }>;
  /** Resolves when all queues are empty and nothing is in flight (for `quietMs`); rejects after `timeoutMs`. */
  waitForIdle(opts?: { timeoutMs?: number; quietMs?: number }): Promise<void>;
  /** Stops polling and waits for in-flight batches to finish. */
  stop(): Promise<void>;
}

export interface LambdaRunnerOptions {
  sqs: SQSClient;
  functions: RunnerFunction[];
  /** Pause after an empty receive (default 50 ms); doubles while a queue stays empty, up to maxPollIntervalMs. */
  pollIntervalMs?: number;
  /** Default 200 ms: Lambda long-polls, so pickup after an idle spell should stay quick. */
  maxPollIntervalMs?: number;
  onInvoke?: (e: InvokeEvent) => void;
  /** Default: warnings and errors to the console. */
  logger?: RunnerLogger;
}

export type FunctionOverrides = Partial<Omit<RunnerFunction, "handler" | "queueUrl" | "queueArn" | "dlqUrl">>;

/**
 * A function as shared/resources.ts defines it, on the given queues. If the queues were
 * created with a shorter visibility timeout (tests), the function timeout is capped to it,
 * since AWS refuses an event source whose function timeout exceeds the queue's visibility timeout.
 */
export function functionFromResources(
  id: FunctionId,
  queues: Record<QueueId, QueueUrls>,
  handler: SqsHandler,
  overrides: FunctionOverrides = {},
): RunnerFunction {
  const def = FUNCTIONS[id];
  const queue = queues[def.queue];
  const visibilityTimeoutSeconds = queue.visibilityTimeoutSeconds ?? QUEUES[def.queue].visibilityTimeoutSeconds;
  return {
    name: id,
    queueUrl: queue.url,
    queueArn: queue.arn,
    handler,
    batchSize: def.batchSize,
    maxBatchingWindowSeconds: def.maxBatchingWindowSeconds,
    timeoutSeconds: Math.min(def.timeoutSeconds, visibilityTimeoutSeconds),
    maxConcurrency: def.maxConcurrency,
    maxReceiveCount: queue.maxReceiveCount ?? QUEUES[def.queue].maxReceiveCount,
    dlqUrl: queue.dlqUrl,
    visibilityTimeoutSeconds,
    memoryMb: def.memoryMb,
    ...overrides,
  };
}

/** The checks CreateEventSourceMapping makes, so a setting AWS would refuse fails locally too. */
export function validateRunnerFunction(fn: RunnerFunction): void {
  const fail = (why: string) => {
    throw new Error(`lambda-runner: function ${fn.name}: ${why}`);
  };
  if (!Number.isInteger(fn.batchSize) || fn.batchSize < 1 || fn.batchSize > 10_000) fail(`batchSize ${fn.batchSize} is not in 1..10000`);
  if (fn.maxBatchingWindowSeconds < 0 || fn.maxBatchingWindowSeconds > 300) fail("maxBatchingWindowSeconds is not in 0..300");
  if (fn.batchSize > 10 && fn.maxBatchingWindowSeconds < 1) fail("a batch size above 10 needs a batching window of at least 1 second");
  // AWS accepts 2..1000; 1 is allowed here so tests can serialise invocations.
  if (!Number.isInteger(fn.maxConcurrency) || fn.maxConcurrency < 1 || fn.maxConcurrency > 1000) fail("maxConcurrency is not in 1..1000");
  if (!(fn.timeoutSeconds > 0)) fail("timeoutSeconds must be positive");
  if (fn.timeoutSeconds > fn.visibilityTimeoutSeconds) {
    fail(`queue visibility timeout ${fn.visibilityTimeoutSeconds} s is less than the function timeout ${fn.timeoutSeconds} s`);
  }
  if (!Number.isInteger(fn.maxReceiveCount) || fn.maxReceiveCount < 1) fail("maxReceiveCount must be a positive integer");
}

const consoleLogger: RunnerLogger = {
  info: () => {},
  warn: (message, extra) => console.warn(message, extra ?? ""),
  error: (message, extra) => console.error(message, extra ?? ""),
};

export function startLambdaRunner(opts: LambdaRunnerOptions): LambdaRunner {
  const names = new Set<string>();
  for (const fn of opts.functions) {
    validateRunnerFunction(fn);
    if (names.has(fn.name)) throw new Error(`lambda-runner: function ${fn.name} is listed twice`);
    names.add(fn.name);
  }
  const pollers = opts.functions.map(
    (fn) =>
      new FunctionPoller({
        sqs: opts.sqs,
        fn,
        pollIntervalMs: opts.pollIntervalMs ?? 50,
        maxPollIntervalMs: opts.maxPollIntervalMs ?? 200,
        logger: opts.logger ?? consoleLogger,
        ...(opts.onInvoke ? { onInvoke: opts.onInvoke } : {}),
      }),
  );
  // Handlers hand records back with ChangeMessageVisibility on the same client (in the sandbox):
  // note the new visibility so `waiting` can say when those records return.
  const byQueue = new Map(pollers.map((p) => [p.queueUrl, p]));
  opts.sqs.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { QueueUrl?: string; ReceiptHandle?: string; VisibilityTimeout?: number; Entries?: { ReceiptHandle?: string; VisibilityTimeout?: number }[] };
      const poller = input.QueueUrl ? byQueue.get(input.QueueUrl) : undefined;
      const result = await next(args);
      if (poller && context.commandName === "ChangeMessageVisibilityCommand" && input.ReceiptHandle) {
        poller.tracker.visibilityChanged(input.ReceiptHandle, input.VisibilityTimeout ?? 0);
      } else if (poller && context.commandName === "ChangeMessageVisibilityBatchCommand") {
        for (const e of input.Entries ?? []) if (e.ReceiptHandle) poller.tracker.visibilityChanged(e.ReceiptHandle, e.VisibilityTimeout ?? 0);
      }
      return result;
    },
    { step: "initialize" },
  );
  for (const p of pollers) p.start();
  let stopped: Promise<void> | undefined;

  /** Queues that still hold messages (visible, in flight or delayed), with their counts. */
  async function nonEmptyQueues(): Promise<string[]> {
    const urls = [...new Set(pollers.map((p) => p.queueUrl))];
    const counts = await Promise.all(urls.map(async (url) => ({ url, counts: await queueCounts(opts.sqs, url) })));
    return counts.filter((q) => pendingMessages(q.counts) > 0).map((q) => `${q.url} ${JSON.stringify(q.counts)}`);
  }

  return {
    stats(name) {
      const selected = name === undefined ? pollers : pollers.filter((p) => p.name === name);
      if (name !== undefined && selected.length === 0) throw new Error(`lambda-runner: no function named ${name}`);
      return selected.reduce((sum, p) => addStats(sum, p.stats), emptyStats());
    },
    redeliveries(name) {
      const selected = name === undefined ? pollers : pollers.filter((p) => p.name === name);
      return selected
        .map((p) => p.tracker.stats())
        .reduce((a, b) => ({ redelivered: a.redelivered + b.redelivered, afterVisibilityTimeout: a.afterVisibilityTimeout + b.afterVisibilityTimeout, maxWaitMs: Math.max(a.maxWaitMs, b.maxWaitMs) }), {
          redelivered: 0,
          afterVisibilityTimeout: 0,
          maxWaitMs: 0,
        });
    },
    waiting() {
      return Object.fromEntries(
        pollers.map((p) => [p.name, { ...p.tracker.waiting(), queueUrl: p.queueUrl, visibilityTimeoutSeconds: p.visibilityTimeoutSeconds }]),
      );
    },
    async waitForIdle({ timeoutMs = 30_000, quietMs = 100 } = {}) {
      const deadline = Date.now() + timeoutMs;
      let quietSince: number | undefined;
      for (;;) {
        const busy = pollers.filter((p) => p.busy).map((p) => p.name);
        const pending = busy.length === 0 ? await nonEmptyQueues() : [];
        if (busy.length > 0 || pending.length > 0) quietSince = undefined;
        else {
          quietSince ??= Date.now();
          if (Date.now() - quietSince >= quietMs) return;
        }
        if (Date.now() > deadline) {
          throw new Error(`lambda-runner: not idle after ${timeoutMs} ms (busy: ${busy.join(", ") || "none"}; queues: ${pending.join("; ") || "empty"})`);
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    stop() {
      stopped ??= Promise.all(pollers.map((p) => p.stop())).then(() => {});
      return stopped;
    },
  };
}

export interface SignalHandlerOptions {
  /** Runs after the runner stopped (e.g. stop the emulators). */
  onStopped?: () => void | Promise<void>;
  /** Exit the process after stopping (default true; a second signal exits at once). */
  exit?: boolean;
  signals?: NodeJS.Signals[];
}

/** SIGINT/SIGTERM: stop polling, finish in-flight batches, then exit. Returns a function that uninstalls the handlers. */
export function installSignalHandlers(runner: Pick<LambdaRunner, "stop">, opts: SignalHandlerOptions = {}): () => void {
  const signals = opts.signals ?? ["SIGINT", "SIGTERM"];
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      if (opts.exit !== false) process.exit(130);
      return;
    }
    stopping = true;
    void (async () => {
      let code = 0;
      try {
        await runner.stop();
        await opts.onStopped?.();
      } catch (err) {
        console.error(`error while stopping on ${signal}:`, err);
        code = 1;
      }
      if (opts.exit !== false) process.exit(code);
    })();
  };
  for (const s of signals) process.on(s, onSignal);
  return () => {
    for (const s of signals) process.off(s, onSignal);
  };
}
