/**
 * What the runner knows about one queue's records beyond SQS's approximate counts: which
 * records a handler failed and when each becomes visible again (the queue's visibility
 * timeout from its receive, or sooner when a handler handed it back with
 * ChangeMessageVisibility), and how long redelivered records waited. The drain shows
 * and waits for these; the storm benchmark reports the waits.
 */

export interface RedeliveryStats {
  /** Records received more than once. */
  redelivered: number;
  /** Redeliveries that came only after the record waited out (most of) the visibility timeout. */
  afterVisibilityTimeout: number;
  /** Longest time a failed record stayed invisible before it was received again. */
  maxWaitMs: number;
}

export interface WaitingRecords {
  /** Failed records not received again yet. */
  count: number;
  /** When the first / last of them becomes visible again (epoch ms). */
  nextVisibleAt?: number;
  lastVisibleAt?: number;
}

interface Entry {
  receives: number;
  receivedAt: number;
  receiptHandle: string;
  /** Set by a handler's ChangeMessageVisibility while the record was in flight. */
  visibleAt?: number;
  /** End of the invocation that failed it; undefined while in flight or once received again. */
  failedAt?: number;
}

/** A redelivery this close to the full visibility timeout waited it out (timers are not exact). */
const TIMEOUT_TOLERANCE = 0.9;

export class RecordTracker {
  private readonly entries = new Map<string, Entry>();
  private readonly byReceipt = new Map<string, string>();
  private readonly totals: RedeliveryStats = { redelivered: 0, afterVisibilityTimeout: 0, maxWaitMs: 0 };

  constructor(
    private readonly visibilityTimeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  received(messageId: string, receiptHandle: string): void {
    const at = this.now();
    const e = this.entries.get(messageId);
    if (e) {
      this.byReceipt.delete(e.receiptHandle);
      if (e.receives === 1) this.totals.redelivered++;
      if (e.failedAt !== undefined) {
        const waited = at - e.failedAt;
        this.totals.maxWaitMs = Math.max(this.totals.maxWaitMs, waited);
        if (at - e.receivedAt >= this.visibilityTimeoutMs * TIMEOUT_TOLERANCE) this.totals.afterVisibilityTimeout++;
      }
      Object.assign(e, { receives: e.receives + 1, receivedAt: at, receiptHandle, visibleAt: undefined, failedAt: undefined });
    } else {
      this.entries.set(messageId, { receives: 1, receivedAt: at, receiptHandle });
    }
    this.byReceipt.set(receiptHandle, messageId);
  }

  /** A handler called ChangeMessageVisibility on a record of this queue. */
  visibilityChanged(receiptHandle: string, seconds: number): void {
    const id = this.byReceipt.get(receiptHandle);
    const e = id === undefined ? undefined : this.entries.get(id);
    if (e) e.visibleAt = this.now() + seconds * 1000;
  }

  /** The invocation ended: a succeeded record is deleted and forgotten, a failed one waits to come back. */
  finished(messageId: string, failed: boolean): void {
    const e = this.entries.get(messageId);
    if (!e) return;
    if (!failed) {
      this.entries.delete(messageId);
      this.byReceipt.delete(e.receiptHandle);
      return;
    }
    e.failedAt = this.now();
    e.visibleAt ??= e.receivedAt + this.visibilityTimeoutMs;
  }

  /** A failed record that went to the DLQ instead of coming back. */
  forget(messageId: string): void {
    const e = this.entries.get(messageId);
    if (e) this.byReceipt.delete(e.receiptHandle);
    this.entries.delete(messageId);
  }

  waiting(): WaitingRecords {
    const times = [...this.entries.values()].filter((e) => e.failedAt !== undefined).map((e) => e.visibleAt!);
    if (times.length === 0) return { count: 0 };
    return { count: times.length, nextVisibleAt: Math.min(...times), lastVisibleAt: Math.max(...times) };
  }

  stats(): RedeliveryStats {
    return { ...this.totals };
  }
}
