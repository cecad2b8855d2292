/**
 * Fault 2: a handler crash after each side effect, before the SQS delete. Every kind
 * of write ingest, analyze and notify make (support/crash.ts) is followed once by a
 * crash of the invocation; SQS redelivers the batch and the retry must converge.
 */
import { afterAll, expect, it } from "vitest";
import { createAwsClients } from "../../shared/clients/aws.ts";
import { CrashPlan } from "./support/crash.ts";
import { expectedStormOutcome } from "./support/expected.ts";
import { collectOutcome } from "./support/outcome.ts";
import { drain, playStorm, startFaultPipeline, TEST_QUEUES } from "./support/run.ts";

const plan = new CrashPlan();
const run = await startFaultPipeline("crash", {
  // A batch is redelivered once per crash of any of its records: give receives room, so
  // crashes (about 20 kinds) cannot push a record into the DLQ by count alone.
  queueOverrides: { ...TEST_QUEUES, maxReceiveCount: 50 },
  clients: (user, _aws, endpoints) => {
    if (user === "forwarder") return {};
    const own = createAwsClients({ endpoints });
    plan.instrument(own.dynamodb);
    plan.instrument(own.sqs);
    plan.instrument(own.eventbridge);
    return { sqs: own.sqs, doc: own.doc, eventbridge: own.eventbridge };
  },
  slackClient: (token, options) => plan.slackClient(token, options),
  wrapHandler: (fn, handler) => plan.wrapHandler(fn, handler),
});
plan.attach(run.pipeline);
afterAll(() => run.stop());

it("crashing after every kind of side effect still stores each incident once, with exact counts and one Slack parent", async () => {
  await playStorm(run);
  await drain(run, 120_000);

  expect(await collectOutcome(run.pipeline)).toEqual(expectedStormOutcome());
  const crashed = plan.crashes.join("\n");
  // The crashes that matter most really happened (each `fn: kind` crashes once).
  expect(crashed).toMatch(/^ingest: PutItem OCC\/OCC/m);
  expect(crashed).toMatch(/^ingest: SendMessage .*analyze/m);
  expect(crashed).toMatch(/^analyze: .*INC\/INCIDENT/m);
  expect(crashed).toMatch(/^analyze: SendMessage .*notify/m);
  expect(crashed).toMatch(/^notify: chat\.postMessage owner$/m); // posted, reference not stored yet
  expect(crashed).toMatch(/^notify: PutEvents/m);
  expect(plan.crashes.length).toBeGreaterThanOrEqual(12);
}, 150_000);
