/**
 * Expected contention (another delivery won an optimistic write, or holds a lease) is
 * resolved inside the invocation: the loser retries with jittered backoff for as long as
 * the function's remaining time allows. Handing the record back to SQS instead would park
 * it for the whole visibility timeout (minutes), a hole in the middle of a storm.
 *
 * The remaining time comes from the Lambda context of the invocation being processed
 * (`withInvocation`, set by shared/sqs-batch.ts), so the optimistic loops deep in the
 * functions need no extra parameter.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { setTimeout as delay } from "node:timers/promises";
import type { Context } from "aws-lambda";
import { WriteContentionError } from "./storage/conditions.ts";

/** What an attempt returns when another writer won: decide again on fresh reads. */
export const LOST = Symbol("lost");
export type Attempt<T> = () => Promise<T | typeof LOST>;

export interface ContentionRetryOptions {
  /** What is contended, e.g. `group <key>`; names the WriteContentionError. */
  subject: string;
  /** First backoff; each later one doubles, capped at maxDelayMs, and is drawn uniformly below that ("full jitter"). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /**
   * Time kept back at the end of the invocation for the rest of the batch and for handing
   * the record back; another attempt also needs as long as the slowest one so far. The loop
   * also keeps back half of the time that was left when it started: the record's work after
   * the contended write, and the other records of the batch, must still finish in time (a
   * batch that times out waits out the whole visibility timeout).
   */
  safetyMarginMs?: number;
  random?: () => number;
}

const invocation = new AsyncLocalStorage<Pick<Context, "getRemainingTimeInMillis">>();

/**
 * Outside an invocation (scripts, tests calling a function's core directly) there is no
 * Lambda deadline: allow this long, so a loop still ends.
 */
export const DEFAULT_BUDGET_MS = 2000;
const DEFAULTS = { baseDelayMs: 20, maxDelayMs: 1000, safetyMarginMs: 5000 };

/** Runs `fn` with `context` as the invocation whose remaining time bounds contention retries. */
export function withInvocation<T>(context: Pick<Context, "getRemainingTimeInMillis">, fn: () => T): T {
  return invocation.run(context, fn);
}

/** Milliseconds left for retries: the invocation's remaining time, or `fallbackMs` from now outside one. */
function remainingClock(fallbackMs: number): () => number {
  const ctx = invocation.getStore();
  if (ctx) return () => ctx.getRemainingTimeInMillis();
  const end = Date.now() + fallbackMs;
  return () => end - Date.now();
}

/**
 * Runs `attempt` until it returns something other than LOST. Between attempts it waits a
 * jittered, doubling backoff; it gives up with a WriteContentionError (the caller's record
 * is then handed back to SQS for a retry in seconds) when the next wait plus an attempt as
 * slow as the slowest so far would eat into the safety margin.
 */
export async function retryOnContention<T>(attempt: Attempt<T>, opts: ContentionRetryOptions): Promise<T> {
  const { baseDelayMs, maxDelayMs, safetyMarginMs } = { ...DEFAULTS, ...opts };
  const random = opts.random ?? Math.random;
  const hasInvocation = invocation.getStore() !== undefined;
  const remaining = remainingClock(DEFAULT_BUDGET_MS);
  // Outside an invocation the fallback budget is all there is: no margin to keep back.
  const margin = hasInvocation ? Math.max(safetyMarginMs, remaining() / 2) : 0;
  let slowest = 0;
  for (let n = 1; ; n++) {
    const started = Date.now();
    const result = await attempt();
    if (result !== LOST) return result;
    slowest = Math.max(slowest, Date.now() - started);
    const wait = random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (n - 1));
    if (remaining() - wait - slowest < margin) {
      throw new WriteContentionError(opts.subject, n, `other writers won ${n} attempts within this invocation's time`);
    }
    await delay(wait);
  }
}

/** Contention that a retry in seconds resolves: the record is handed back with a short visibility. */
export function isContention(err: unknown): boolean {
  return err instanceof WriteContentionError || (err as { name?: string } | undefined)?.name === "WriteContentionError";
}
