/**
 * Delivery loop: takes due entries from the outbox, sends them with
 * SendMessageBatch (10 per call), retries failed entries with exponential
 * backoff and full jitter. Transport errors are retried without limit (the
 * outbox bound caps memory); entries SQS rejects as the sender's fault are
 * dropped after a few attempts, because they will never succeed.
 */
import { SendMessageBatchCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { type BackoffOptions, fullJitter } from "./backoff.ts";
import type { Logger } from "./log.ts";
import type { Outbox, OutboxEntry } from "./outbox.ts";

export const SQS_BATCH_SIZE = 10;

export interface SenderOptions {
  sqs: SQSClient;
  queueUrl: string;
  outbox: Outbox;
  logger: Logger;
  backoff?: BackoffOptions;
  /** Parallel SendMessageBatch calls. */
  concurrency?: number;
  /** Attempts before an entry rejected with SenderFault is dropped. */
  maxSenderFaultAttempts?: number;
  /** False when failed entries must not be retried here any more (e.g. leadership lost). */
  mayRetry?: () => boolean;
  onSent(entry: OutboxEntry): void;
  /** Called per failed attempt of an entry; `dropped` when it will not be retried. */
  onFailed(entry: OutboxEntry, error: string, dropped: boolean): void;
}

export interface Sender {
  /** Signals that new entries are waiting. */
  wake(): void;
  /** Sends what is waiting, ignoring backoff, for at most `timeoutMs`; true when the outbox emptied. */
  flush(timeoutMs: number): Promise<boolean>;
  stop(): void;
}

export function startSender(opts: SenderOptions): Sender {
  const backoff = opts.backoff ?? { baseMs: 200, capMs: 10_000 };
  const maxSenderFault = opts.maxSenderFaultAttempts ?? 5;
  let stopped = false;
  let sleepers: (() => void)[] = [];
  let idleWaiters: (() => void)[] = [];

  const wake = () => {
    const woken = sleepers;
    sleepers = [];
    for (const w of woken) w();
  };

  const waitForWork = (ms: number | undefined) =>
    new Promise<void>((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(resolve, Math.max(ms, 5));
      sleepers.push(() => {
        if (timer) clearTimeout(timer);
        resolve();
      });
    });

  async function sendBatch(batch: OutboxEntry[]): Promise<void> {
    const failed = new Map<string, { error: string; senderFault: boolean }>();
    try {
      const res = await opts.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: opts.queueUrl,
          Entries: batch.map((e, i) => ({ Id: `m${i}`, MessageBody: e.body })),
        }),
      );
      for (const f of res.Failed ?? []) {
        failed.set(f.Id ?? "", { error: `${f.Code}: ${f.Message ?? ""}`, senderFault: f.SenderFault === true });
      }
    } catch (err) {
      const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      for (let i = 0; i < batch.length; i++) failed.set(`m${i}`, { error, senderFault: false });
    }
    const retry: OutboxEntry[] = [];
    batch.forEach((entry, i) => {
      const f = failed.get(`m${i}`);
      if (!f) {
        opts.onSent(entry);
        return;
      }
      entry.attempts++;
      const dropped = (f.senderFault && entry.attempts >= maxSenderFault) || opts.mayRetry?.() === false;
      opts.onFailed(entry, f.error, dropped);
      if (!dropped) {
        entry.notBefore = Date.now() + fullJitter(entry.attempts, backoff);
        retry.push(entry);
      }
    });
    opts.outbox.settle(batch.length, retry);
  }

  async function loop(): Promise<void> {
    while (!stopped) {
      const batch = opts.outbox.take(SQS_BATCH_SIZE);
      if (batch.length) {
        await sendBatch(batch);
        continue;
      }
      if (opts.outbox.depth === 0) {
        for (const w of idleWaiters) w();
        idleWaiters = [];
      }
      await waitForWork(opts.outbox.nextDueIn());
    }
  }

  const loops = Array.from({ length: opts.concurrency ?? 2 }, () =>
    loop().catch((err) => opts.logger.error("sender loop crashed", { error: String(err) })),
  );
  void loops;

  return {
    wake,
    async flush(timeoutMs) {
      opts.outbox.expedite();
      wake();
      if (opts.outbox.depth === 0) return true;
      const idle = new Promise<boolean>((resolve) => idleWaiters.push(() => resolve(true)));
      const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref?.());
      return Promise.race([idle, timeout]);
    },
    stop() {
      stopped = true;
      wake();
    },
  };
}
