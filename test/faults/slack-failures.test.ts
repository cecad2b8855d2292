/**
 * Fault 3: Slack answering 429, 500 and timing out. The sink rate-limits, fails with
 * 500 and never answers some calls; the client also loses the answer to two posts that
 * Slack did store. notify fails those records (no sleeping in the function), SQS
 * redelivers them, and every incident still ends with exactly one parent.
 */
import { afterAll, expect, it } from "vitest";
import { expectedStormOutcome } from "./support/expected.ts";
import { collectOutcome } from "./support/outcome.ts";
import { drain, playStorm, startFaultPipeline } from "./support/run.ts";
import { faultySlackClient, type SlackFailures } from "./support/slack-faults.ts";

/** Short client timeout so a hung call fails well inside the (test) function timeout. */
const SLACK_TIMEOUT_MS = 1000;

const seen: SlackFailures = { rateLimited: 0, http: 0, timeout: 0, lostResponses: 0 };
const run = await startFaultPipeline("slack", {
  slackClient: (token, options) => faultySlackClient(token, { ...options, timeout: SLACK_TIMEOUT_MS }, { loseResponses: 2 }, seen),
});
afterAll(() => run.stop());

it("Slack 429s, 500s, hangs and lost responses are retried through SQS: one parent per incident, counts exact", async () => {
  const sink = run.pipeline.slackSink!;
  const writes = ["chat.postMessage", "chat.update"];
  sink.inject({ kind: "ratelimit", retryAfterSeconds: 1, count: 3, methods: writes });
  sink.inject({ kind: "status", status: 500, count: 4, methods: writes });
  sink.inject({ kind: "hang", count: 4, methods: writes });

  await playStorm(run);
  await drain(run, 90_000);

  expect(await collectOutcome(run.pipeline)).toEqual(expectedStormOutcome());
  // Each kind of failure reached notify, and the records it failed were retried.
  expect(seen.rateLimited).toBeGreaterThanOrEqual(1);
  expect(seen.http).toBeGreaterThanOrEqual(1);
  expect(seen.timeout).toBeGreaterThanOrEqual(3);
  expect(seen.lostResponses).toBe(2);
  expect(sink.counters.rateLimited).toBe(3);
  expect(run.pipeline.runner.stats("notify").failed).toBeGreaterThan(0);
}, 120_000);
