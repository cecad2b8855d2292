/**
 * Waiting for the pipeline to drain (`--until-idle`, tests, the benchmark). A record that a
 * handler failed is invisible until its visibility ends (seconds when it was handed back,
 * the queue's visibility timeout otherwise), so "nothing moved for a while" does not mean
 * stuck: the wait lasts as long as something can still come back, i.e. until nothing has
 * moved for the longest visibility timeout plus a margin. Only then is the pipeline stuck,
 * and the error says which queue holds how many records, and for how long.
 */
import type { LambdaRunner } from "../lambda-runner.ts";

export interface DrainOptions {
  /** Hard limit (tests, the benchmark); without it the wait ends only when drained or stuck. */
  timeoutMs?: number;
  /** Drained = nothing pending for this long. */
  quietMs?: number;
}

export interface DrainDeps {
  /** Messages not handled yet: forwarder outbox plus queues (visible and in flight). */
  pending(): Promise<number>;
  /** Per-queue counts for the error message. */
  describe(): Promise<string>;
  runner: Pick<LambdaRunner, "stats" | "waiting">;
  now?: () => number;
  pollMs?: number;
}

/** Beyond the longest visibility timeout: redelivery and a handler run (functions time out within a minute). */
export const STUCK_MARGIN_MS = 60_000;

export async function waitUntilDrained(deps: DrainDeps, { timeoutMs, quietMs = 1500 }: DrainOptions = {}): Promise<void> {
  const now = deps.now ?? Date.now;
  const started = now();
  const waitingLists = Object.values(deps.runner.waiting());
  const stuckAfterMs = Math.max(...waitingLists.map((w) => w.visibilityTimeoutSeconds * 1000), 0) + STUCK_MARGIN_MS;
  let quietSince: number | undefined;
  let lastSignature = "";
  let lastProgressAt = started;
  for (;;) {
    const pending = await deps.pending();
    const stats = deps.runner.stats();
    const busy = pending > 0 || stats.inFlight > 0;
    // Progress: anything received, finished or moved on the queues.
    const signature = `${pending}|${stats.records}|${stats.succeeded}|${stats.failed}`;
    if (signature !== lastSignature) {
      lastSignature = signature;
      lastProgressAt = now();
    }
    if (busy) quietSince = undefined;
    else {
      quietSince ??= now();
      if (now() - quietSince >= quietMs) return;
    }
    if (timeoutMs !== undefined && now() - started >= timeoutMs) {
      throw new Error(`the pipeline did not drain within ${timeoutMs / 1000} s: ${await stuckDetail(deps)}`);
    }
    if (now() - lastProgressAt >= stuckAfterMs) {
      throw new Error(`the pipeline is stuck: nothing moved for ${Math.round((now() - lastProgressAt) / 1000)} s: ${await stuckDetail(deps)}`);
    }
    await new Promise((r) => setTimeout(r, deps.pollMs ?? 100));
  }
}

async function stuckDetail(deps: DrainDeps): Promise<string> {
  const waiting = Object.entries(deps.runner.waiting())
    .filter(([, w]) => w.count > 0)
    .map(([fn, w]) => `${fn}: ${w.count} failed record(s) due back ${describeDue(w.nextVisibleAt, w.lastVisibleAt, deps.now ?? Date.now)}`);
  return [await deps.describe(), ...waiting].join("; ");
}

/** "in 3 s", "in 2-5 s", "overdue by 40 s". */
export function describeDue(first: number | undefined, last: number | undefined, now: () => number = Date.now): string {
  if (first === undefined || last === undefined) return "at an unknown time";
  const a = Math.ceil((first - now()) / 1000);
  const b = Math.ceil((last - now()) / 1000);
  if (b < 0) return `overdue by ${-b} s`;
  const from = Math.max(0, a);
  return from === b ? `in ${b} s` : `in ${from}-${b} s`;
}
