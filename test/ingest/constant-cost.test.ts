/**
 * Ingest's cost per occurrence does not grow with its incident: the 200th occurrence of one
 * incident reads as many DynamoDB items as the 2nd (an ingest that read every member per
 * occurrence read 200). Counted through the real DynamoDB client against the emulator.
 */
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { expect, it } from "vitest";
import { RequestCounter } from "../../bench/request-counter.ts";
import { createIngestHandler } from "../../functions/ingest/handler.ts";
import { groupOf, incidentIdFor } from "../../shared/domain/grouping.ts";
import { INCIDENT_SK, incidentPk } from "../../shared/storage/incident-item.ts";
import { PipelineStore } from "../../shared/storage/pipeline-store.ts";
import { at, containerOom } from "../domain/fixtures.ts";
import { createTestAws } from "../support/aws.ts";
import { lambdaContext, sqsEvent } from "../support/lambda.ts";
import { ingestDeps } from "./harness.ts";

it("the 200th occurrence of an incident reads no more items and makes no more requests than the 2nd", async () => {
  const aws = await createTestAws("ingest-cost");
  const counter = new RequestCounter();
  counter.attach(aws.clients);
  const handler = createIngestHandler(ingestDeps(aws));
  // One workload OOMing every 3 minutes: one incident (60 min group window), node-log windows
  // (±2 min) that hold only the occurrence itself, so nothing but the incident grows.
  const oom = (i: number) => containerOom({ finishedAt: at(3 * i) });
  const cost = async (i: number) => {
    const [requests, items] = [counter.total("DynamoDB"), counter.itemsRead];
    const res = await handler(sqsEvent([oom(i)]), lambdaContext);
    expect(res.batchItemFailures).toEqual([]);
    return { requests: counter.total("DynamoDB") - requests, items: counter.itemsRead - items };
  };

  await cost(0);
  // As analyze stores it: a Level 2 (frequent OOM) incident, so plain repeats only move its counts.
  const incidentId = incidentIdFor(groupOf(oom(0)).key, oom(0).key);
  await aws.clients.doc.send(
    new PutCommand({ TableName: aws.tables.incidents, Item: { pk: incidentPk(incidentId), sk: INCIDENT_SK, level: 2, occurrences: 1 } }),
  );
  const second = await cost(1);
  for (let i = 2; i < 199; i += 10) {
    const res = await handler(sqsEvent(Array.from({ length: Math.min(10, 199 - i) }, (_, j) => oom(i + j))), lambdaContext);
    expect(res.batchItemFailures).toEqual([]);
  }
  const last = await cost(199);

  const store = new PipelineStore(aws.clients.doc, aws.tables.incidents);
  expect(await store.countMembers(incidentId)).toBe(200);
  expect((await store.getIncidentItem(incidentId))?.occurrences).toBe(200);
  // A plain repeat's last action is ingest's (nothing posted): its marker says when. The opener's is analyze's.
  expect((await store.getOccurrence(oom(199).key))?.doneAt).toMatch(/^\d{4}-/);
  expect((await store.getOccurrence(oom(0).key))?.doneAt).toBeUndefined();
  expect(second.items).toBeGreaterThan(0);
  // Fewer, not equal: the 2nd read the stored level, which later batches of the handler keep as a floor (level-floors.test.ts).
  expect(last.items).toBeLessThanOrEqual(second.items);
  expect(last.requests).toBeLessThanOrEqual(second.requests);
});
