/** The runner's view of failed records: when they come back, and how long they waited. */
import { describe, expect, test } from "vitest";
import { RecordTracker } from "../../sandbox/lambda-runner/record-tracker.ts";
import { describeDue, STUCK_MARGIN_MS, waitUntilDrained } from "../../sandbox/pipeline/drain.ts";
import { formatStatusLine, type StatusSnapshot } from "../../sandbox/status.ts";
import { emptyStats } from "../../sandbox/lambda-runner/types.ts";

const VISIBILITY_MS = 360_000;

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe("RecordTracker", () => {
  test("a record handed back is due when its new visibility ends, and its wait is measured", () => {
    const c = clock();
    const t = new RecordTracker(VISIBILITY_MS, c.now);
    t.received("m1", "h1");
    c.advance(200);
    t.visibilityChanged("h1", 3);
    t.finished("m1", true);
    expect(t.waiting()).toEqual({ count: 1, nextVisibleAt: c.now() + 3000, lastVisibleAt: c.now() + 3000 });
    c.advance(3100);
    t.received("m1", "h2");
    t.finished("m1", false);
    expect(t.waiting()).toEqual({ count: 0 });
    expect(t.stats()).toEqual({ redelivered: 1, afterVisibilityTimeout: 0, maxWaitMs: 3100 });
  });

  test("a failed record not handed back is due after the visibility timeout, and counts as such when it returns", () => {
    const c = clock();
    const t = new RecordTracker(VISIBILITY_MS, c.now);
    t.received("m1", "h1");
    const receivedAt = c.now();
    c.advance(1000);
    t.finished("m1", true);
    expect(t.waiting()).toMatchObject({ count: 1, nextVisibleAt: receivedAt + VISIBILITY_MS });
    c.advance(VISIBILITY_MS);
    t.received("m1", "h2");
    expect(t.stats()).toEqual({ redelivered: 1, afterVisibilityTimeout: 1, maxWaitMs: VISIBILITY_MS });
  });

  test("a redriven record is forgotten", () => {
    const t = new RecordTracker(VISIBILITY_MS);
    t.received("m1", "h1");
    t.finished("m1", true);
    t.forget("m1");
    expect(t.waiting()).toEqual({ count: 0 });
  });
});

describe("drain", () => {
  const runnerWith = (waiting: { count: number; nextVisibleAt?: number; lastVisibleAt?: number }) => ({
    stats: () => emptyStats(),
    waiting: () => ({ analyze: { ...waiting, queueUrl: "q", visibilityTimeoutSeconds: VISIBILITY_MS / 1000 } }),
  });

  test("keeps waiting past two minutes while a record can still come back, then drains", async () => {
    const c = clock();
    let polls = 0;
    await waitUntilDrained(
      {
        // Pending for 5 minutes of fake time (the record waits out its timeout), then empty.
        pending: async () => {
          c.advance(10_000);
          return ++polls < 30 ? 1 : 0;
        },
        describe: async () => "analyze queue 1",
        runner: runnerWith({ count: 1, nextVisibleAt: c.now() + 300_000, lastVisibleAt: c.now() + 300_000 }),
        now: c.now,
        pollMs: 0,
      },
      { quietMs: 0 },
    );
    expect(polls).toBe(30);
  });

  test("fails when nothing moved for longer than the visibility timeout plus a margin, saying what is stuck", async () => {
    const c = clock();
    const started = c.now();
    const err = await waitUntilDrained({
      pending: async () => {
        c.advance(10_000);
        return 2;
      },
      describe: async () => "analyze queue 0 visible, 2 in flight or invisible",
      runner: runnerWith({ count: 2, nextVisibleAt: started + 1000, lastVisibleAt: started + 2000 }),
      now: c.now,
      pollMs: 0,
    }).then(
      () => new Error("drained"),
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toMatch(/^the pipeline is stuck: nothing moved for \d+ s: analyze queue 0 visible, 2 in flight or invisible; analyze: 2 failed record\(s\) due back overdue by \d+ s$/);
    expect(c.now() - started).toBeGreaterThanOrEqual(VISIBILITY_MS + STUCK_MARGIN_MS);
  });

  test("describes when records are due", () => {
    expect(describeDue(5000, 5000, () => 2000)).toBe("in 3 s");
    expect(describeDue(2500, 9000, () => 2000)).toBe("in 1-7 s");
    expect(describeDue(1000, 1000, () => 41_000)).toBe("overdue by 40 s");
  });
});

describe("status line", () => {
  test("shows records awaiting a retry in their queue and when they are visible again", () => {
    const s: StatusSnapshot = {
      elapsedMs: 12_000,
      now: 100_000,
      phase: "draining",
      observed: {},
      forwarded: 0,
      queues: {
        events: { visible: 0, inFlight: 0, dlq: 0 },
        analyze: { visible: 0, inFlight: 2, dlq: 0, awaitingRetry: { count: 2, nextVisibleAt: 101_000, lastVisibleAt: 103_500 } },
      },
      incidents: { "0": 0, "1": 0, "2": 0, "3": 0 },
      slack: { posted: 0, updated: 0, threadReplies: 0 },
    };
    expect(formatStatusLine(s)).toContain("queues: events 0, analyze 2 (2 retrying in 1-4 s)");
  });
});
