/**
 * Bounded in-memory outbox of messages waiting for SQS. When full, the oldest
 * waiting entry is shed (reported through `onShed`): the newest trouble is the
 * most actionable, and memory must stay bounded while SQS is unreachable.
 */
import type { Occurrence } from "../shared/schema/occurrence.ts";

export interface OutboxEntry {
  key: string;
  body: string;
  occurrence: Occurrence;
  attempts: number;
  /** Epoch ms before which the entry is not retried (backoff). */
  notBefore: number;
}

export class Outbox {
  private readonly queue: OutboxEntry[] = [];
  private inFlight = 0;

  constructor(
    readonly capacity: number,
    private readonly onShed: (entry: OutboxEntry) => void,
  ) {}

  push(entry: OutboxEntry): void {
    this.queue.push(entry);
    while (this.queue.length > this.capacity) {
      const shed = this.queue.shift();
      if (shed) this.onShed(shed);
    }
  }

  /** Removes up to `max` entries that are due; they count as in flight until settled. */
  take(max: number, now = Date.now()): OutboxEntry[] {
    const out: OutboxEntry[] = [];
    for (let i = 0; i < this.queue.length && out.length < max; ) {
      const e = this.queue[i]!;
      if (e.notBefore <= now) {
        out.push(e);
        this.queue.splice(i, 1);
      } else i++;
    }
    this.inFlight += out.length;
    return out;
  }

  /**
   * Settles in-flight entries; `retry` ones go back to the front, keeping their order: they were
   * taken before anything pushed while they were in flight, so the front stays the oldest end and
   * shedding from it drops the oldest, as push() does.
   */
  settle(count: number, retry: OutboxEntry[] = []): void {
    this.inFlight -= count;
    this.queue.unshift(...retry);
    while (this.queue.length > this.capacity) {
      const shed = this.queue.shift();
      if (shed) this.onShed(shed);
    }
  }

  /** Milliseconds until the next waiting entry is due (undefined when none wait). */
  nextDueIn(now = Date.now()): number | undefined {
    if (!this.queue.length) return undefined;
    return Math.max(0, Math.min(...this.queue.map((e) => e.notBefore)) - now);
  }

  /** Makes every waiting entry due now (used when flushing on shutdown). */
  expedite(): void {
    for (const e of this.queue) e.notBefore = 0;
  }

  /** Empties the waiting queue (e.g. leadership lost) and returns what was in it. */
  drain(): OutboxEntry[] {
    return this.queue.splice(0, this.queue.length);
  }

  /** Waiting plus in flight. */
  get depth(): number {
    return this.queue.length + this.inFlight;
  }
}
