/** Control run: the fault storm without faults gives the expected outcome every fault test is held to. */
import { afterAll, expect, it } from "vitest";
import { expectedStormOutcome } from "./support/expected.ts";
import { collectOutcome } from "./support/outcome.ts";
import { drain, playStorm, startFaultPipeline } from "./support/run.ts";

const run = await startFaultPipeline("baseline");
afterAll(() => run.stop());

it("without faults the storm gives the expected outcome", async () => {
  await playStorm(run);
  await drain(run);
  const outcome = await collectOutcome(run.pipeline);
  expect(outcome).toEqual(expectedStormOutcome());
});
