/**
 * Fault 5: poison messages mixed into good batches. Each SendMessageBatch of the
 * forwarder gets one poison entry added next to the real occurrences (until all are
 * placed), so ingest receives them inside good batches: invalid JSON, wrong schema,
 * an unsupported version. They must land in the events DLQ with their reason, and the
 * good records around them must be processed exactly as without them.
 */
import { afterAll, expect, it } from "vitest";
import { expectedStormOutcome } from "./support/expected.ts";
import { collectOutcome, readDeadLetters } from "./support/outcome.ts";
import { drain, playStorm, startFaultPipeline } from "./support/run.ts";
import { editBatches, ownSqsClient } from "./support/sqs-faults.ts";

interface Poison {
  body: string;
  code: "INVALID_JSON" | "SCHEMA" | "UNSUPPORTED_VERSION";
}

/** Poison built from a real occurrence body of the same batch, so the only flaw is the intended one. */
const POISONS: Array<(good: string) => Poison> = [
  (good) => ({ body: good.slice(0, Math.floor(good.length / 2)), code: "INVALID_JSON" }),
  (good) => ({ body: JSON.stringify({ ...JSON.parse(good), version: 2 }), code: "UNSUPPORTED_VERSION" }),
  (good) => ({ body: JSON.stringify({ ...JSON.parse(good), kind: "DiskFull" }), code: "SCHEMA" }),
  (good) => {
    const { key: _key, ...noKey } = JSON.parse(good) as Record<string, unknown>;
    return { body: JSON.stringify(noKey), code: "SCHEMA" };
  },
  () => ({ body: "null", code: "SCHEMA" }),
  () => ({ body: "<Occurrence><kind>ContainerOOM</kind></Occurrence>", code: "INVALID_JSON" }),
];

const injected: Poison[] = [];
/** ingest invocations whose batch held poison and good records together. */
let mixedBatches = 0;
const run = await startFaultPipeline("poison", {
  wrapHandler: (fn, handler) =>
    fn !== "ingest"
      ? handler
      : async (event, context) => {
          const poisoned = event.Records.filter((r) => injected.some((p) => p.body === r.body)).length;
          if (poisoned > 0 && poisoned < event.Records.length) mixedBatches++;
          return handler(event, context);
        },
  clients: (user, aws) =>
    user !== "forwarder"
      ? {}
      : {
          sqs: editBatches(ownSqsClient(aws), (input) => {
            const entries = input.Entries ?? [];
            const good = entries[0]?.MessageBody;
            if (!good || entries.length >= 10 || injected.length >= POISONS.length) return;
            const poison = POISONS[injected.length]!(good);
            injected.push(poison);
            entries.push({ Id: `poison${injected.length}`, MessageBody: poison.body });
          }),
        },
});
afterAll(() => run.stop());

it("poison records go to the events DLQ with their reason; the good records in their batches are processed exactly", async () => {
  await playStorm(run);
  await drain(run);

  expect(injected).toHaveLength(POISONS.length);
  expect(mixedBatches).toBeGreaterThan(0);
  expect(await collectOutcome(run.pipeline)).toEqual(expectedStormOutcome({ deadLetters: { events: POISONS.length } }));
  const dead = await readDeadLetters(run.pipeline, "events");
  const byBody = (a: { body: string }, b: { body: string }) => (a.body < b.body ? -1 : a.body > b.body ? 1 : 0);
  expect(dead.map((d) => ({ body: d.body, code: d.error })).sort(byBody)).toEqual(injected.map((p) => ({ body: p.body, code: p.code })).sort(byBody));
  for (const d of dead) expect(d.reason, d.body.slice(0, 80)).toMatch(/\w{4,}/);
});
