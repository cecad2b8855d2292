/** The shared contention retry: bounded by the invocation's remaining time, jittered, and the hand-back delay. */
import { describe, expect, test } from "vitest";
import { LOST, retryOnContention, withInvocation } from "../shared/contention-retry.ts";
import { releaseSeconds } from "../shared/release-record.ts";
import { WriteContentionError } from "../shared/storage/conditions.ts";

/** A Lambda context whose clock ends `ms` from now. */
const invocationEnding = (ms: number) => {
  const end = Date.now() + ms;
  return { getRemainingTimeInMillis: () => end - Date.now() };
};

describe("retryOnContention", () => {
  test("retries a lost attempt until one wins, and returns its value", async () => {
    let n = 0;
    const value = await withInvocation(invocationEnding(60_000), () =>
      retryOnContention(async () => (++n < 4 ? LOST : "won"), { subject: "incident a", baseDelayMs: 1, safetyMarginMs: 10 }),
    );
    expect(value).toBe("won");
    expect(n).toBe(4);
  });

  test("gives up with WriteContentionError when the invocation's time, less the margin, is used up", async () => {
    let n = 0;
    const err = await withInvocation(invocationEnding(400), () =>
      retryOnContention(async () => {
        n++;
        return LOST;
      }, { subject: "group g", baseDelayMs: 5, maxDelayMs: 20, safetyMarginMs: 300, random: () => 1 }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WriteContentionError);
    expect(err).toMatchObject({ subject: "group g", attempts: n });
    expect(n).toBeGreaterThan(1);
  });

  test("never starts a retry inside the safety margin", async () => {
    let n = 0;
    const err = await withInvocation(invocationEnding(1000), () =>
      retryOnContention(async () => {
        n++;
        return LOST;
      }, { subject: "s", safetyMarginMs: 5000 }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WriteContentionError);
    expect(n).toBe(1);
  });
});

describe("releaseSeconds", () => {
  const record = (receives: number) => ({ attributes: { ApproximateReceiveCount: String(receives) } }) as Parameters<typeof releaseSeconds>[0];

  test("a few seconds at first, doubling with each receive, jittered up to twice the base, capped", () => {
    expect(releaseSeconds(record(1), { random: () => 0 })).toBe(1);
    expect(releaseSeconds(record(1), { random: () => 0.99 })).toBe(2);
    expect(releaseSeconds(record(3), { random: () => 0 })).toBe(4);
    expect(releaseSeconds(record(10), { random: () => 0.5 })).toBe(30);
  });
});
