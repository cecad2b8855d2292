/**
 * Ingest reads an incident's stored level once per handler and escalation, not once per batch:
 * a level read by an earlier batch is a floor (analyze never lowers a level), a repeat that does
 * not classify above it needs no read, and a trigger decided on the floor is confirmed with the
 * level stored now. An escalation requested and not stored yet is not requested again until
 * ESCALATION_PENDING_MS have passed (functions/ingest/level-floors.ts).
 */
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { expect, it } from "vitest";
import { RequestCounter } from "../../bench/request-counter.ts";
import { createIngestHandler } from "../../functions/ingest/handler.ts";
import { ESCALATION_PENDING_MS, LevelFloors } from "../../functions/ingest/level-floors.ts";
import { groupOf, incidentIdFor } from "../../shared/domain/grouping.ts";
import type { AnalyzeRequest } from "../../shared/schema/incident.ts";
import { INCIDENT_SK, incidentPk } from "../../shared/storage/incident-item.ts";
import { PipelineStore } from "../../shared/storage/pipeline-store.ts";
import { at, containerOom } from "../domain/fixtures.ts";
import { createTestAws } from "../support/aws.ts";
import { lambdaContext, sqsEvent } from "../support/lambda.ts";
import { drain } from "../support/sqs.ts";
import { ingestDeps } from "./harness.ts";

/**
 * One container OOMing every 3 minutes: the 4th is a frequent OOM (more than 3 in 60 min, Level 2),
 * the ones before classify at Level 1. Analyze's store is played by hand (`storeLevel`).
 */
async function setup(name: string) {
  const aws = await createTestAws(name);
  const counter = new RequestCounter();
  counter.attach(aws.clients);
  const clock = { ms: Date.now() };
  const handler = createIngestHandler(ingestDeps(aws, { now: () => new Date(clock.ms) }));
  const store = new PipelineStore(aws.clients.doc, aws.tables.incidents);
  const oom = (i: number) => containerOom({ finishedAt: at(3 * i) });
  const incidentId = incidentIdFor(groupOf(oom(0)).key, oom(0).key);
  const storeLevel = (level: number) =>
    aws.clients.doc.send(new PutCommand({ TableName: aws.tables.incidents, Item: { pk: incidentPk(incidentId), sk: INCIDENT_SK, level, occurrences: 1 } }));
  /** Ingests occurrence i alone; what it read, whether it triggered analyze, and the trigger. */
  const ingest = async (i: number) => {
    const [batchGets, items] = [counter.counts.get("DynamoDB BatchGetItem") ?? 0, counter.itemsRead];
    const res = await handler(sqsEvent([oom(i)]), lambdaContext);
    expect(res.batchItemFailures).toEqual([]);
    const sent = (await drain(aws.clients.sqs, aws.queues.analyze.url)).map((m) => JSON.parse(m.Body ?? "{}") as AnalyzeRequest);
    return {
      batchGets: (counter.counts.get("DynamoDB BatchGetItem") ?? 0) - batchGets,
      items: counter.itemsRead - items,
      triggers: sent.map((r) => `${r.occurrence.key} ${r.trigger}`),
      doneAt: (await store.getOccurrence(oom(i).key))?.doneAt,
    };
  };
  return { ingest, storeLevel, oom, clock };
}

it("reads the stored level once: later repeats at or below it read no level", async () => {
  const { ingest, storeLevel } = await setup("level-floor-once");
  expect((await ingest(0)).triggers).toHaveLength(1); // opens: "new", no level read
  await storeLevel(1);
  const first = await ingest(1);
  const second = await ingest(2);
  expect(first).toMatchObject({ batchGets: 2, triggers: [] }); // markers and group, then the level
  expect(second).toMatchObject({ batchGets: 1, triggers: [] }); // markers and group only
  expect(second.items).toBe(first.items - 1);
  // Both plain repeats, finished by ingest.
  expect(first.doneAt).toMatch(/^\d{4}-/);
  expect(second.doneAt).toMatch(/^\d{4}-/);
});

it("confirms a trigger decided on the floor: still Level 1 stored, the frequent OOM is re-analysed", async () => {
  const { ingest, storeLevel, oom } = await setup("level-floor-trigger");
  await ingest(0);
  await storeLevel(1);
  for (const i of [1, 2]) await ingest(i);
  const frequent = await ingest(3);
  expect(frequent.triggers).toEqual([`${oom(3).key} repeat`]);
  expect(frequent.batchGets).toBe(2); // the confirming level read
  expect(frequent.doneAt).toBeUndefined();
});

it("confirms a trigger decided on the floor: analyze has stored Level 2 since, so no re-analysis", async () => {
  const { ingest, storeLevel } = await setup("level-floor-raised");
  await ingest(0);
  await storeLevel(1);
  for (const i of [1, 2]) await ingest(i);
  await storeLevel(2);
  const frequent = await ingest(3);
  expect(frequent.triggers).toEqual([]);
  expect(frequent.doneAt).toMatch(/^\d{4}-/);
});

it("asks for an escalation once while analyze has not stored it, and again after ESCALATION_PENDING_MS", async () => {
  const { ingest, storeLevel, oom, clock } = await setup("level-floor-pending");
  await ingest(0);
  await storeLevel(1);
  for (const i of [1, 2]) await ingest(i);
  expect((await ingest(3)).triggers).toEqual([`${oom(3).key} repeat`]);
  // Analyze has not stored Level 2 yet: the next frequent OOM is counted (a plain repeat), not sent.
  clock.ms += ESCALATION_PENDING_MS - 1000;
  const waiting = await ingest(4);
  expect(waiting.triggers).toEqual([]);
  expect(waiting.doneAt).toMatch(/^\d{4}-/);
  // Still not stored after ESCALATION_PENDING_MS: asked again.
  clock.ms += 1000;
  expect((await ingest(5)).triggers).toEqual([`${oom(5).key} repeat`]);
});

it("keeps the highest level read and forgets the least recently raised past its capacity", () => {
  const floors = new LevelFloors(2);
  floors.raise("a", 2);
  floors.raise("a", 1);
  expect(floors.get("a")).toBe(2);
  floors.raise("b", 1);
  floors.raise("a", 3);
  floors.raise("c", 0);
  expect([floors.get("a"), floors.get("b"), floors.get("c")]).toEqual([3, undefined, 0]);
});

it("raises a level to an escalation requested within ESCALATION_PENDING_MS, never an incident not analysed yet", () => {
  const floors = new LevelFloors();
  floors.requested("a", 3, 1000);
  floors.requested("a", 2, 2000); // lower: the pending request to 3 stands
  expect(floors.expected("a", 1, 1000 + ESCALATION_PENDING_MS - 1)).toBe(3);
  expect(floors.expected("a", 1, 1000 + ESCALATION_PENDING_MS)).toBe(1);
  expect(floors.expected("a", undefined, 1000)).toBeUndefined();
  expect(floors.expected("b", 2, 1000)).toBe(2);
});
