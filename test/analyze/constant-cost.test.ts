/**
 * Analyze's cost per analysis does not grow with its incident: analysing the 200th occurrence
 * of one incident reads as many DynamoDB items, in as many requests, as analysing an early one
 * (an analyze that read every member per analysis read 200). It works from the running tally
 * ingest keeps on the group item. Counted through analyze's own DynamoDB client.
 *
 * The same for a PodEviction incident in an eviction storm: the mass-eviction check counts the
 * cluster's evictions only up to the threshold (an unbounded count read every eviction in the
 * window, once per analysis).
 */
import { expect, it } from "vitest";
import { RequestCounter } from "../../bench/request-counter.ts";
import { createAnalyzeHandler } from "../../functions/analyze/handler.ts";
import { createIngestHandler } from "../../functions/ingest/handler.ts";
import { createAwsClients } from "../../shared/clients/aws.ts";
import { groupOf, incidentIdFor } from "../../shared/domain/grouping.ts";
import type { AnalyzeRequest } from "../../shared/schema/incident.ts";
import type { Occurrence } from "../../shared/schema/occurrence.ts";
import { PipelineStore } from "../../shared/storage/pipeline-store.ts";
import { at, containerOom, evictionStorm } from "../domain/fixtures.ts";
import { createTestAws, type TestAws } from "../support/aws.ts";
import { lambdaContext, sqsEvent, sqsRecord } from "../support/lambda.ts";
import { ingestDeps } from "../ingest/harness.ts";
import { analyzeDeps, take } from "./pipeline.ts";

/**
 * Ingest and analyze over the emulators, analyze on its own counted clients. `occurrence(i)`: the
 * i-th occurrence of one incident (the 0th opens it and is analysed at once).
 */
async function costOfAnalyses(aws: TestAws, occurrence: (i: number) => Occurrence) {
  const own = createAwsClients({ endpoints: aws.endpoints, maxAttempts: 1 });
  const counter = new RequestCounter();
  counter.attach(own, "analyze");
  const ingest = createIngestHandler(ingestDeps(aws));
  const analyze = createAnalyzeHandler(analyzeDeps(aws, { doc: own.doc, sqs: own.sqs }));
  const incidentId = incidentIdFor(groupOf(occurrence(0)).key, occurrence(0).key);
  let ingested = 0;

  /** Ingests occurrences up to (not including) `to`, ten a batch. */
  const ingestUpTo = async (to: number) => {
    for (; ingested < to; ingested += 10) {
      const res = await ingest(sqsEvent(Array.from({ length: Math.min(10, to - ingested) }, (_, j) => occurrence(ingested + j))), lambdaContext);
      expect(res.batchItemFailures).toEqual([]);
    }
    ingested = to;
  };
  /** Ingests up to the i-th occurrence, then analyses it as a repeat: analyze's requests and items read. */
  const analyzeAt = async (i: number) => {
    await ingestUpTo(i + 1);
    const req: AnalyzeRequest = { version: 1, incidentId, trigger: "repeat", occurrence: occurrence(i) };
    const [requests, items] = [counter.total("DynamoDB"), counter.itemsRead];
    const res = await analyze({ Records: [sqsRecord(JSON.stringify(req))] }, lambdaContext);
    expect(res.batchItemFailures).toEqual([]);
    return { requests: counter.total("DynamoDB") - requests, items: counter.itemsRead - items };
  };

  // The opener's analysis (first: it also checks for members put meanwhile).
  await ingestUpTo(1);
  const [opening] = await take(aws, aws.queues.analyze.url);
  expect((await analyze({ Records: [sqsRecord(opening!.Body!)] }, lambdaContext)).batchItemFailures).toEqual([]);
  return { incidentId, analyzeAt, store: new PipelineStore(aws.clients.doc, aws.tables.incidents) };
}

it("analysing the 200th occurrence of an incident reads no more items and makes no more requests than the 2nd", async () => {
  const aws = await createTestAws("analyze-cost");
  // One workload OOMing every 3 minutes: one incident (60 min group window).
  const { incidentId, analyzeAt, store } = await costOfAnalyses(aws, (i) => containerOom({ finishedAt: at(3 * i) }));
  const second = await analyzeAt(1);
  const last = await analyzeAt(199);

  expect(await store.countMembers(incidentId)).toBe(200);
  expect((await store.getIncidentItem(incidentId))?.occurrences).toBe(200);
  expect(second.items).toBeGreaterThan(0);
  expect(last.items).toBe(second.items);
  expect(last.requests).toBe(second.requests);
});

it("analysing an eviction with 200 evictions in the cluster's window reads no more than with 20", async () => {
  const aws = await createTestAws("analyze-eviction-cost");
  // 200 evictions from one node in 10 minutes: one incident, all in the 30-minute mass-eviction window.
  const storm = evictionStorm(200, 10);
  const { incidentId, analyzeAt, store } = await costOfAnalyses(aws, (i) => storm[i]!);
  // Both past the threshold (10): an analysis that counted every eviction read 20, then 200.
  const early = await analyzeAt(19);
  const late = await analyzeAt(199);

  expect(await store.countClusterEvictions("prod-eu", at(-1), at(11))).toBe(200);
  expect(late.items).toBe(early.items);
  expect(late.requests).toBe(early.requests);
  // Still Level 3 for the mass eviction; the reason says the count stopped at the threshold.
  const incident = await store.getIncidentItem(incidentId);
  expect(incident).toMatchObject({ level: 3, occurrences: 200 });
  expect(JSON.stringify(incident?.escalation)).toContain("mass eviction: 11+ memory evictions");
});
