/**
 * One function's event source: polls its queue, gathers batches (batch size, batching
 * window), invokes the handler with at most `maxConcurrency` invocations in flight,
 * and deletes only the records that succeeded. Redelivery (after the visibility
 * timeout, or sooner when a handler hands a record back with ChangeMessageVisibility) and
 * the move to the DLQ after maxReceiveCount are SQS's job (local-aws-sqs implements
 * RedrivePolicy), so the runner never changes visibility; it only keeps track of the
 * failed records and when they come back (record-tracker.ts).
 */
import { setTimeout as delay } from "node:timers/promises";
import { DeleteMessageBatchCommand, type Message, ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { SQSRecord } from "aws-lambda";
import { interpretBatchResponse } from "./batch-response.ts";
import { createLambdaContext } from "./context.ts";
import { RecordTracker } from "./record-tracker.ts";
import { arnParts, toSqsRecord } from "./sqs-record.ts";
import { emptyStats, type InvokeEvent, type RunnerFunction, type RunnerLogger, type RunnerStats } from "./types.ts";

/** SQS returns at most 10 messages per ReceiveMessage. */
const SQS_MAX_RECEIVE = 10;
const SQS_MAX_DELETE = 10;

export interface PollerOptions {
  sqs: SQSClient;
  fn: RunnerFunction;
  /** Pause between empty receives; doubles while the queue stays empty, up to maxPollIntervalMs. */
  pollIntervalMs: number;
  maxPollIntervalMs: number;
  logger: RunnerLogger;
  onInvoke?: (e: InvokeEvent) => void;
}

const TIMED_OUT = Symbol("timed out");

export class FunctionPoller {
  readonly stats: RunnerStats = emptyStats();
  readonly tracker: RecordTracker;
  private stopping = false;
  /** A batch is being gathered and already holds messages (they show as in flight on the queue too). */
  private holding = false;
  private readonly wake = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();
  private loop: Promise<void> | undefined;

  constructor(private readonly o: PollerOptions) {
    this.tracker = new RecordTracker(o.fn.visibilityTimeoutSeconds * 1000);
  }

  get name(): string {
    return this.o.fn.name;
  }

  get queueUrl(): string {
    return this.o.fn.queueUrl;
  }

  get visibilityTimeoutSeconds(): number {
    return this.o.fn.visibilityTimeoutSeconds;
  }

  /** Records received but not yet finished (gathered into a batch or being invoked). */
  get busy(): boolean {
    return this.holding || this.inFlight.size > 0;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Stops polling; a batch being gathered is still invoked, and in-flight invocations finish. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake.abort();
    await this.loop;
    await Promise.all(this.inFlight);
  }

  private async run(): Promise<void> {
    let idleDelay = this.o.pollIntervalMs;
    while (!this.stopping) {
      if (this.inFlight.size >= this.o.fn.maxConcurrency) {
        await Promise.race(this.inFlight);
        continue;
      }
      const batch = await this.gather();
      if (batch.length === 0) {
        await this.sleep(idleDelay);
        idleDelay = Math.min(idleDelay * 2, this.o.maxPollIntervalMs);
        continue;
      }
      idleDelay = this.o.pollIntervalMs;
      const invocation: Promise<void> = this.invoke(batch)
        .catch((err) => this.o.logger.error("lambda-runner: invocation crashed", { fn: this.name, error: String(err) }))
        .finally(() => this.inFlight.delete(invocation));
      this.inFlight.add(invocation);
    }
  }

  /** Up to batchSize messages, or fewer once the batching window (from the first message) has passed. */
  private async gather(): Promise<Message[]> {
    const { batchSize, maxBatchingWindowSeconds } = this.o.fn;
    const batch: Message[] = [];
    let windowEnd = Number.POSITIVE_INFINITY;
    try {
      while (batch.length < batchSize) {
        const received = await this.receive(Math.min(SQS_MAX_RECEIVE, batchSize - batch.length));
        if (received.length > 0 && batch.length === 0) windowEnd = Date.now() + maxBatchingWindowSeconds * 1000;
        batch.push(...received);
        this.holding = batch.length > 0;
        if (batch.length === 0 || this.stopping || Date.now() >= windowEnd) break;
        if (received.length === 0) await this.sleep(Math.min(this.o.pollIntervalMs, windowEnd - Date.now()));
      }
      return batch;
    } finally {
      this.holding = false;
    }
  }

  private async receive(max: number): Promise<Message[]> {
    try {
      const out = await this.o.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.o.fn.queueUrl,
          MaxNumberOfMessages: max,
          // local-aws-sqs waits the whole WaitTimeSeconds unless max is reached: poll instead of long-polling.
          WaitTimeSeconds: 0,
          // local-aws-sqs only honours the older AttributeNames; real SQS takes either.
          AttributeNames: ["All"],
          MessageSystemAttributeNames: ["All"],
          MessageAttributeNames: ["All"],
        }),
      );
      for (const m of out.Messages ?? []) if (m.MessageId && m.ReceiptHandle) this.tracker.received(m.MessageId, m.ReceiptHandle);
      return out.Messages ?? [];
    } catch (err) {
      if (!this.stopping) this.o.logger.warn("lambda-runner: receive failed", { fn: this.name, error: String(err) });
      return [];
    }
  }

  private async invoke(batch: Message[]): Promise<void> {
    const { fn } = this.o;
    const started = Date.now();
    const records = batch.map((m) => toSqsRecord(m, fn.queueArn));
    const ids = records.map((r) => r.messageId);
    this.stats.invocations++;
    this.stats.records += records.length;
    this.stats.inFlight++;
    let failedIds = new Set(ids);
    let error: unknown;
    try {
      const response = await this.callWithTimeout(records, started);
      if (response === TIMED_OUT) {
        this.stats.timeouts++;
        error = new Error(`Task timed out after ${fn.timeoutSeconds} seconds`);
      } else {
        const outcome = interpretBatchResponse(response, ids);
        if (outcome.valid) failedIds = outcome.failedIds;
        else error = new Error(outcome.reason);
      }
    } catch (err) {
      this.stats.throws++;
      error = err;
    }
    if (error !== undefined) this.o.logger.warn("lambda-runner: invocation failed", { fn: fn.name, records: records.length, error: String(error) });
    const succeeded = records.filter((r) => !failedIds.has(r.messageId));
    await this.deleteRecords(succeeded);
    this.stats.succeeded += succeeded.length;
    this.stats.failed += failedIds.size;
    const redriven = records.filter((r) => failedIds.has(r.messageId) && Number(r.attributes.ApproximateReceiveCount) >= fn.maxReceiveCount);
    this.stats.redriven += redriven.length;
    for (const r of records) this.tracker.finished(r.messageId, failedIds.has(r.messageId));
    for (const r of redriven) this.tracker.forget(r.messageId);
    this.stats.inFlight--;
    try {
      this.o.onInvoke?.({ fn: fn.name, records: records.length, failed: failedIds.size, error, durationMs: Date.now() - started });
    } catch (err) {
      this.o.logger.error("lambda-runner: onInvoke callback threw", { fn: fn.name, error: String(err) });
    }
  }

  /** The handler's result, or TIMED_OUT; a timed-out handler keeps running unobserved (Lambda would kill it). */
  private async callWithTimeout(records: SQSRecord[], started: number): Promise<unknown> {
    const { fn } = this.o;
    const deadline = started + fn.timeoutSeconds * 1000;
    const { region, account } = arnParts(fn.queueArn);
    const context = createLambdaContext({ functionName: fn.name, region, account, memoryMb: fn.memoryMb ?? 128, deadline });
    const call = Promise.resolve().then(() => fn.handler({ Records: records }, context));
    call.catch(() => {}); // a rejection after the timeout must not become an unhandled rejection
    const timer = new AbortController();
    try {
      return await Promise.race([call, delay(deadline - Date.now(), TIMED_OUT, { signal: timer.signal })]);
    } finally {
      timer.abort();
    }
  }

  private async deleteRecords(records: SQSRecord[]): Promise<void> {
    for (let i = 0; i < records.length; i += SQS_MAX_DELETE) {
      const chunk = records.slice(i, i + SQS_MAX_DELETE);
      try {
        const out = await this.o.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: this.o.fn.queueUrl,
            Entries: chunk.map((r, n) => ({ Id: String(n), ReceiptHandle: r.receiptHandle })),
          }),
        );
        for (const f of out.Failed ?? []) {
          this.o.logger.warn("lambda-runner: delete failed", { fn: this.name, code: f.Code, message: f.Message });
        }
      } catch (err) {
        this.o.logger.warn("lambda-runner: delete failed", { fn: this.name, error: String(err) });
      }
    }
  }

  /** Sleeps unless stop() was called (stop wakes every sleeper at once). */
  private async sleep(ms: number): Promise<void> {
    if (this.stopping || ms <= 0) return;
    await delay(ms, undefined, { signal: this.wake.signal }).catch(() => {});
  }
}
