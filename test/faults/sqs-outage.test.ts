/**
 * Fault 7: SQS unreachable for SQS_OUTAGE_MS during a storm. The forwarder's SQS
 * connection refuses every call from before the storm starts until the outage ends;
 * the whole storm waits in its outbox and is delivered when SQS comes back.
 */
import { afterAll, expect, it } from "vitest";
import { expectedStormOutcome } from "./support/expected.ts";
import { collectOutcome } from "./support/outcome.ts";
import { drain, playStorm, startFaultPipeline } from "./support/run.ts";
import { waitFor } from "../support/wait.ts";
import { ownSqsClient, unreachableWhile } from "./support/sqs-faults.ts";

/**
 * Shorter than the 30 s the issue names: with 30 s the test took 44.5 s alone on the
 * 2-core machine (about 14 s to drain after the outage), over the ~45 s budget once
 * other files run in parallel. 25 s exercises the same path (every send refused and
 * retried with backoff at its cap, the outbox holding the whole storm); see docs/reliability.md.
 */
const SQS_OUTAGE_MS = 25_000;

let down = false;
const refused = { refused: 0 };
const run = await startFaultPipeline("sqs-outage", {
  clients: (user, aws) => (user === "forwarder" ? { sqs: unreachableWhile(ownSqsClient(aws), () => down, refused) } : {}),
});
afterAll(() => run.stop());

it(`the outbox holds a storm through a ${SQS_OUTAGE_MS / 1000} s SQS outage, then delivers it: nothing lost, nothing twice`, async () => {
  const forwarder = run.pipeline.forwarder;
  down = true;
  const outageEnds = Date.now() + SQS_OUTAGE_MS;
  await playStorm(run);
  await waitFor("the whole storm to be observed", () => Object.values(forwarder.stats().observed).reduce((a, b) => a + b, 0) >= 21);
  await new Promise((r) => setTimeout(r, Math.max(0, outageEnds - Date.now())));

  // At the end of the outage everything is still held: nothing got through, nothing was shed.
  expect(forwarder.stats().sent).toBe(0);
  expect(forwarder.stats().outbox).toBe(21);
  expect(refused.refused).toBeGreaterThan(5);

  down = false;
  await drain(run);
  expect(await collectOutcome(run.pipeline)).toEqual(expectedStormOutcome());
  expect(forwarder.stats().sent).toBe(21);
}, 90_000);
