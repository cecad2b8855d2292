/** Public types of the Lambda runner (re-exported by sandbox/lambda-runner.ts). */
import type { SQSBatchResponse } from "aws-lambda";
import type { SqsHandler as FunctionHandler } from "../../shared/sqs-batch.ts";

/** The pipeline's handler type, also accepting no answer (every record succeeded), as Lambda does. */
// biome-ignore lint/suspicious/noConfusingVoidType: same as aws-lambda's SQSHandler, so `async () => {}` handlers fit.
export type SqsHandler = FunctionHandler<SQSBatchResponse | void>;

/** One function wired to its queue, with the event-source-mapping settings of shared/resources.ts. */
export interface RunnerFunction {
  name: string;
  queueUrl: string;
  queueArn: string;
  handler: SqsHandler;
  batchSize: number;
  maxBatchingWindowSeconds: number;
  /** Function timeout; may be fractional in tests. */
  timeoutSeconds: number;
  maxConcurrency: number;
  /** The queue's RedrivePolicy value; SQS (the emulator) moves the message, the runner only counts it. */
  maxReceiveCount: number;
  dlqUrl: string;
  /** The queue's visibility timeout; SQS owns redelivery, the runner only validates against the timeout. */
  visibilityTimeoutSeconds: number;
  /** Reported as `context.memoryLimitInMB` (default 128). */
  memoryMb?: number;
}

export interface RunnerStats {
  /** Handler invocations started. */
  invocations: number;
  /** Records handed to the handler (a redelivered record counts again). */
  records: number;
  /** Records deleted from the queue after a successful invocation. */
  succeeded: number;
  /** Records left on the queue (reported failures, throws, timeouts, malformed responses). */
  failed: number;
  /** Invocations whose handler threw / rejected. */
  throws: number;
  /** Failed records that had reached maxReceiveCount: SQS moves them to the DLQ when they become visible. */
  redriven: number;
  /** Invocations running right now. */
  inFlight: number;
  /** Invocations that exceeded the function timeout. */
  timeouts: number;
}

export interface InvokeEvent {
  fn: string;
  records: number;
  failed: number;
  error?: unknown;
  durationMs: number;
}

/** Structural subset of console and of the Powertools Logger. */
export interface RunnerLogger {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export function emptyStats(): RunnerStats {
  return { invocations: 0, records: 0, succeeded: 0, failed: 0, throws: 0, redriven: 0, inFlight: 0, timeouts: 0 };
}

export function addStats(a: RunnerStats, b: RunnerStats): RunnerStats {
  const out = { ...a };
  for (const key of Object.keys(out) as (keyof RunnerStats)[]) out[key] += b[key];
  return out;
}
