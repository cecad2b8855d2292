/**
 * Fault 4: the Kubernetes API down during enrichment. analyze is held back until the
 * forwarder has sent every occurrence and the API simulator refuses connections; the
 * incidents are then built from the snapshots the forwarder captured at event time.
 */
import { afterAll, expect, it } from "vitest";
import { parseBytes } from "../../shared/quantity.ts";
import { expectedStormOutcome } from "./support/expected.ts";
import { collectOutcome, storedIncidents } from "./support/outcome.ts";
import { drain, playStorm, startFaultPipeline } from "./support/run.ts";
import { waitFor } from "../support/wait.ts";

let openGate: () => void = () => {};
const gate = new Promise<void>((resolve) => {
  openGate = resolve;
});
const run = await startFaultPipeline("k8s-down", {
  wrapHandler: (fn, handler) =>
    fn === "analyze"
      ? async (event, context) => {
          await gate;
          return handler(event, context);
        }
      : handler,
});
afterAll(async () => {
  openGate();
  await run.stop();
});

it("with the API down, incidents are stored once from event-time evidence, with exact counts and one Slack parent", async () => {
  await playStorm(run);
  await waitFor("the forwarder to send all 21 occurrences", () => run.pipeline.forwarder.stats().sent >= 21);
  run.pipeline.sim!.setAvailable(false);
  openGate();
  await drain(run, 60_000);

  expect(await collectOutcome(run.pipeline)).toEqual(expectedStormOutcome());
  const incidents = await storedIncidents(run.pipeline);
  expect(incidents.map((i) => i.enrichment)).toEqual(incidents.map(() => "event-time-only"));
  for (const i of incidents) expect(i.enrichmentError, i.groupKey).toBeTruthy();
  // The evidence still comes through: limits from the pod snapshot the forwarder captured.
  const api = incidents.find((i) => i.groupKey === "oom|faults|shop|Deployment/api|app");
  expect(api?.facts.limitBytes).toBe(parseBytes("256Mi"));
  expect(api?.snapshot.pod?.containers.find((c) => c.name === "app")).toBeDefined();
}, 90_000);
