/**
 * The benchmark's request counter counts what each part sends on its own clients: a
 * handler whose clients were never attached is counted as 0, the bug that made the storm
 * report 0 DynamoDB requests per occurrence while ingest stored every occurrence.
 */
import { expect, it } from "vitest";
import { operationOf, RequestCounter } from "../../bench/request-counter.ts";
import { createIngestHandler } from "../../functions/ingest/handler.ts";
import { createAwsClients } from "../../shared/clients/aws.ts";
import { containerOom } from "../domain/fixtures.ts";
import { createTestAws } from "../support/aws.ts";
import { lambdaContext, sqsEvent } from "../support/lambda.ts";
import { ingestDeps } from "../ingest/harness.ts";

it("counts an occurrence's DynamoDB requests and items read on the part that sent them, not on other clients", async () => {
  const aws = await createTestAws("request-counter");
  // Ingest's own clients, as the sandbox gives each function (Pipeline.partClients).
  const own = createAwsClients({ endpoints: aws.endpoints, maxAttempts: 1 });
  const counter = new RequestCounter();
  counter.attach(own, "ingest");
  counter.attach(aws.clients, "runner");
  const handler = createIngestHandler(ingestDeps(aws, { sqs: own.sqs, doc: own.doc }));

  const first = containerOom();
  expect((await handler(sqsEvent([first]), lambdaContext)).batchItemFailures).toEqual([]);
  const opening = counter.total("DynamoDB", "ingest");
  // A stored occurrence takes writes (group, marker, member) and reads (marker, group, level).
  expect(opening).toBeGreaterThanOrEqual(4);
  expect(counter.total("SQS", "ingest")).toBe(1); // the analyze request
  expect(counter.total("DynamoDB", "runner")).toBe(0);
  expect(counter.total("DynamoDB")).toBe(opening);

  // A duplicate delivery reads its done marker (with its group, read in the same request): two items, one request.
  const items = counter.itemsRead;
  expect((await handler(sqsEvent([first]), lambdaContext)).batchItemFailures).toEqual([]);
  expect(counter.total("DynamoDB", "ingest")).toBe(opening + 1);
  expect(counter.itemsRead).toBe(items + 2);
  expect(counter.itemsByPart.get("ingest")).toBe(counter.itemsRead);
  expect(counter.itemsByCommand.get("BatchGetItem")).toBeGreaterThanOrEqual(1);
  // By operation too: the duplicate's two items are ingest's BatchGet of marker and group.
  expect(counter.itemsByOperation.get("ingest BatchGetItem")).toBeGreaterThanOrEqual(2);
  expect(counter.topReads(1, ["ingest"])).toMatch(/^ingest BatchGetItem \d+ items in \d+ requests$/);
  // Writes are named by what they write: the group and the occurrence marker are two PutItems.
  expect(counter.topRequests(10, ["ingest"])).toMatch(/ingest PutItem GROUP \d+/);
  expect(counter.topRequests(10, ["ingest"])).toMatch(/ingest PutItem OCC \d+/);
});

it("names each read by command and item type, without the ids in the key", () => {
  expect(operationOf("Query", { ExpressionAttributeValues: { ":pk": { S: "EVICTIONS#prod" }, ":a": { S: "2026" } } })).toBe("Query EVICTIONS");
  expect(operationOf("GetItem", { Key: { pk: "GROUP#prod/shop/Deployment/api/app", sk: "GROUP" } })).toBe("GetItem GROUP");
  expect(operationOf("Query", { IndexName: "byCluster", ExpressionAttributeValues: { ":v0": { S: "CLUSTER#prod" } } })).toBe("Query byCluster");
  expect(operationOf("PutItem", { Item: { pk: { S: "OCC#oom:uid:app:t" }, sk: { S: "OCC" } } })).toBe("PutItem OCC");
  expect(operationOf("BatchGetItem", { RequestItems: {} })).toBe("BatchGetItem");
});
