/**
 * Fault 1: every message delivered twice. The forwarder's, ingest's and analyze's SQS
 * clients send each message twice (two SQS messages with different ids, as after a
 * producer retry), so every step downstream sees each input twice.
 */
import { afterAll, expect, it } from "vitest";
import { expectedStormOutcome } from "./support/expected.ts";
import { collectOutcome } from "./support/outcome.ts";
import { drain, playStorm, startFaultPipeline } from "./support/run.ts";
import { duplicateSends, ownSqsClient } from "./support/sqs-faults.ts";

const duplicated = { forwarder: { duplicated: 0 }, ingest: { duplicated: 0 }, analyze: { duplicated: 0 }, notify: { duplicated: 0 }, resolve: { duplicated: 0 } };
const run = await startFaultPipeline("duplicates", {
  clients: (user, aws) => ({ sqs: duplicateSends(ownSqsClient(aws), duplicated[user]) }),
});
afterAll(() => run.stop());

it("every incident is stored once with exact counts and one Slack parent when every message arrives twice", async () => {
  await playStorm(run);
  await drain(run);

  expect(await collectOutcome(run.pipeline)).toEqual(expectedStormOutcome());
  // The fault really happened at each hop: every occurrence (21) went twice, and so did at least
  // one analyze and one notify request per incident. How many more there are depends on timing,
  // by design: while an incident's first analysis is pending, ingest requests none for its further
  // occurrences (the first analysis counts them), so escalations may or may not need a request of
  // their own. Only the one per incident, from the occurrence that opened it, is certain.
  const incidents = expectedStormOutcome().incidents.length;
  expect(duplicated.forwarder.duplicated).toBeGreaterThanOrEqual(21);
  expect(duplicated.ingest.duplicated).toBeGreaterThanOrEqual(incidents);
  expect(duplicated.analyze.duplicated).toBeGreaterThanOrEqual(incidents);
});
