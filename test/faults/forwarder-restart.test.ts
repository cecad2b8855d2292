/**
 * Fault 6: the forwarder killed and restarted mid-storm. "Killed": its SQS connection
 * is cut first, so whatever it still held (outbox, sends in flight) is lost with the
 * process, then it stops with a short flush and a new forwarder starts while the storm
 * goes on. The new one lists the cluster again and re-sends what is inside the
 * lookback; downstream dedup must keep every count exact.
 */
import { afterAll, expect, it } from "vitest";
import { expectedStormOutcome } from "./support/expected.ts";
import { collectOutcome } from "./support/outcome.ts";
import { drain, playStorm, startFaultPipeline } from "./support/run.ts";
import { waitFor } from "../support/wait.ts";
import { ownSqsClient, unreachableWhile } from "./support/sqs-faults.ts";

/** One flag per forwarder process: set, its connection to SQS is gone. */
const processes: Array<{ dead: boolean }> = [];
const refused = { refused: 0 };
const run = await startFaultPipeline("restart", {
  clients: (user, aws) => {
    if (user !== "forwarder") return {};
    const proc = { dead: false };
    processes.push(proc);
    return { sqs: unreachableWhile(ownSqsClient(aws), () => proc.dead, refused) };
  },
  // A killed process does not get to flush.
  forwarder: { flushTimeoutMs: 100 },
});
afterAll(() => run.stop());

it("no occurrence is lost and none counted twice when the forwarder is killed and restarted mid-storm", async () => {
  const storm = playStorm(run);
  await waitFor("the first occurrences to be sent", () => run.pipeline.forwarder.stats().sent >= 5);
  const first = run.pipeline.forwarder;
  processes[0]!.dead = true;
  await run.pipeline.restartForwarder();
  const sentBeforeKill = first.stats().sent;
  await storm;
  await drain(run, 60_000);

  expect(await collectOutcome(run.pipeline)).toEqual(expectedStormOutcome());
  // The kill really was mid-storm, and the new process re-sent what the old one had sent.
  expect(processes).toHaveLength(2);
  expect(sentBeforeKill).toBeLessThan(21);
  expect(sentBeforeKill + run.pipeline.forwarder.stats().sent).toBeGreaterThan(21);
}, 90_000);
