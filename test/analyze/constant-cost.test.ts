/**
 * Analyze's cost per analysis does not grow with its incident: analysing the 200th occurrence
 * of one incident reads as many DynamoDB items, in as many requests, as analysing the 2nd (an
 * analyze that read every member per analysis read 200). It works from the running tally
 * ingest keeps on the group item. Counted through analyze's own DynamoDB client.
 */
import { expect, it } from "vitest";
import { RequestCounter } from "../../bench/request-counter.ts";
import { createAnalyzeHandler } from "../../functions/analyze/handler.ts";
import { createIngestHandler } from "../../functions/ingest/handler.ts";
import { createAwsClients } from "../../shared/clients/aws.ts";
import { groupOf, incidentIdFor } from "../../shared/domain/grouping.ts";
import type { AnalyzeRequest } from "../../shared/schema/incident.ts";
import { PipelineStore } from "../../shared/storage/pipeline-store.ts";
import { at, containerOom } from "../domain/fixtures.ts";
import { createTestAws } from "../support/aws.ts";
import { lambdaContext, sqsEvent, sqsRecord } from "../support/lambda.ts";
import { ingestDeps } from "../ingest/harness.ts";
import { analyzeDeps, take } from "./pipeline.ts";

it("analysing the 200th occurrence of an incident reads no more items and makes no more requests than the 2nd", async () => {
  const aws = await createTestAws("analyze-cost");
  const own = createAwsClients({ endpoints: aws.endpoints, maxAttempts: 1 });
  const counter = new RequestCounter();
  counter.attach(own, "analyze");
  const ingest = createIngestHandler(ingestDeps(aws));
  const analyze = createAnalyzeHandler(analyzeDeps(aws, { doc: own.doc, sqs: own.sqs }));
  // One workload OOMing every 3 minutes: one incident (60 min group window).
  const oom = (i: number) => containerOom({ finishedAt: at(3 * i) });
  const incidentId = incidentIdFor(groupOf(oom(0)).key, oom(0).key);
  const ingestAll = async (from: number, to: number) => {
    for (let i = from; i < to; i += 10) {
      const res = await ingest(sqsEvent(Array.from({ length: Math.min(10, to - i) }, (_, j) => oom(i + j))), lambdaContext);
      expect(res.batchItemFailures).toEqual([]);
    }
  };
  const analyzeRepeat = async (i: number) => {
    const req: AnalyzeRequest = { version: 1, incidentId, trigger: "repeat", occurrence: oom(i) };
    const [requests, items] = [counter.total("DynamoDB"), counter.itemsRead];
    const res = await analyze({ Records: [sqsRecord(JSON.stringify(req))] }, lambdaContext);
    expect(res.batchItemFailures).toEqual([]);
    return { requests: counter.total("DynamoDB") - requests, items: counter.itemsRead - items };
  };

  // The opener's analysis (first: it also checks for members put meanwhile).
  await ingestAll(0, 1);
  const [opening] = await take(aws, aws.queues.analyze.url);
  expect((await analyze({ Records: [sqsRecord(opening!.Body!)] }, lambdaContext)).batchItemFailures).toEqual([]);

  await ingestAll(1, 2);
  const second = await analyzeRepeat(1);
  await ingestAll(2, 200);
  const last = await analyzeRepeat(199);

  const store = new PipelineStore(aws.clients.doc, aws.tables.incidents);
  expect(await store.countMembers(incidentId)).toBe(200);
  expect((await store.getIncidentItem(incidentId))?.occurrences).toBe(200);
  expect(second.items).toBeGreaterThan(0);
  expect(last.items).toBe(second.items);
  expect(last.requests).toBe(second.requests);
});
