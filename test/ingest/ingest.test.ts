import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { createIngestHandler } from "../../functions/ingest/handler.ts";
import { groupOf, incidentIdFor } from "../../shared/domain/grouping.ts";
import { AnalyzeRequestSchema } from "../../shared/schema/incident.ts";
import type { Occurrence } from "../../shared/schema/occurrence.ts";
import { incidentPk } from "../../shared/storage/incident-item.ts";
import { MEMBER_PREFIX } from "../../shared/storage/pipeline-items.ts";
import { PipelineStore } from "../../shared/storage/pipeline-store.ts";
import { createTestAws, type TestAws } from "../support/aws.ts";
import { at, containerOom, eviction, evictionStorm, memoryPressure } from "../domain/fixtures.ts";
import { ingestDeps } from "./harness.ts";
import { lambdaContext, sqsEvent } from "../support/lambda.ts";
import { drain } from "../support/sqs.ts";
import { crashingClients } from "../support/crashing-clients.ts";

const depsFor = ingestDeps;

async function analyzeRequests(aws: TestAws) {
  return (await drain(aws.clients.sqs, aws.queues.analyze.url)).map((m) => AnalyzeRequestSchema.parse(JSON.parse(m.Body!)));
}

async function memberCount(aws: TestAws, incidentId: string): Promise<number> {
  const out = await aws.clients.doc.send(
    new QueryCommand({
      TableName: aws.tables.incidents,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :m)",
      ExpressionAttributeValues: { ":pk": incidentPk(incidentId), ":m": MEMBER_PREFIX },
      Select: "COUNT",
    }),
  );
  return out.Count ?? 0;
}

describe("ingest: poison messages", () => {
  it("sends invalid JSON, schema violations and unknown versions to the DLQ with their reason; the rest succeeds", async () => {
    const aws = await createTestAws("ingest-poison");
    const handler = createIngestHandler(depsFor(aws));
    const good = containerOom();
    const noKind: Record<string, unknown> = { ...good, key: "x" };
    delete noKind.kind;
    const event = sqsEvent(["{not json", { ...good, version: 2 }, noKind, good]);
    const res = await handler(event, lambdaContext);
    expect(res.batchItemFailures).toEqual([]);

    const dlq = await drain(aws.clients.sqs, aws.queues.events.dlqUrl);
    const byCode = new Map(dlq.map((m) => [m.MessageAttributes?.["oomwatch-error"]?.StringValue, m]));
    expect([...byCode.keys()].sort()).toEqual(["INVALID_JSON", "SCHEMA", "UNSUPPORTED_VERSION"]);
    const invalid = byCode.get("INVALID_JSON")!;
    expect(invalid.Body).toBe("{not json");
    expect(invalid.MessageAttributes?.["oomwatch-source-message-id"]?.StringValue).toBe(event.Records[0]!.messageId);
    expect(byCode.get("SCHEMA")!.MessageAttributes?.["oomwatch-error-reason"]?.StringValue).toMatch(/kind/);
    expect(byCode.get("UNSUPPORTED_VERSION")!.MessageAttributes?.["oomwatch-error-reason"]?.StringValue).toMatch(/version 2/);

    const requests = await analyzeRequests(aws);
    expect(requests.map((r) => r.trigger)).toEqual(["new"]);
    expect(requests[0]!.occurrence.key).toBe(good.key);
  });

  it("reports a retryable failure as a batch item failure without failing the others", async () => {
    const aws = await createTestAws("ingest-retry");
    const a = containerOom();
    const b = containerOom({ pod: { name: "other-1", uid: "u-other", workload: { kind: "Deployment", name: "other" } } });
    const handler = createIngestHandler(depsFor(aws, { tableName: "no-such-table" }));
    const event = sqsEvent([a, b]);
    const res = await handler(event, lambdaContext);
    expect(res.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(event.Records.map((r) => r.messageId).sort());
    expect(await drain(aws.clients.sqs, aws.queues.events.dlqUrl)).toEqual([]);
  });
});

describe("ingest: dedupe and grouping", () => {
  it("counts a duplicate delivery once and sends one analyze request", async () => {
    const aws = await createTestAws("ingest-dup");
    const handler = createIngestHandler(depsFor(aws));
    const o = containerOom();
    await handler(sqsEvent([o, o]), lambdaContext);
    await handler(sqsEvent([o]), lambdaContext); // forwarder restart re-sends it
    const id = incidentIdFor(groupOf(o).key, o.key);
    expect(await memberCount(aws, id)).toBe(1);
    const requests = await analyzeRequests(aws);
    expect(requests.map((r) => [r.incidentId, r.trigger])).toEqual([[id, "new"]]);
  });

  it("groups OOMs of one workload's container across pods and opens a new incident after the window", async () => {
    const aws = await createTestAws("ingest-group");
    const handler = createIngestHandler(depsFor(aws, { policy: { groupWindowMinutes: 60 } }));
    const oom = (minute: number, podName = "checkout-a-1") =>
      containerOom({ finishedAt: at(minute), pod: { name: podName, uid: `uid-${podName}` } });
    const first = [oom(0), oom(5), oom(10, "checkout-b-2"), oom(50)];
    for (const o of first) await handler(sqsEvent([o]), lambdaContext);
    const later = oom(200); // 150 min after the last one: a new incident
    await handler(sqsEvent([later]), lambdaContext);

    const id1 = incidentIdFor(groupOf(first[0]!).key, first[0]!.key);
    const id2 = incidentIdFor(groupOf(later).key, later.key);
    expect(id1).not.toBe(id2);
    expect(await memberCount(aws, id1)).toBe(4);
    expect(await memberCount(aws, id2)).toBe(1);
    const group = await new PipelineStore(aws.clients.doc, aws.tables.incidents).getGroup(groupOf(later).key);
    expect(group).toMatchObject({ incidentId: id2, openedBy: later.key });
  });

  it("joins evictions and memory pressure of one node in one incident, whatever the order", async () => {
    const aws = await createTestAws("ingest-node");
    const handler = createIngestHandler(depsFor(aws));
    const storm = evictionStorm(20, 10, 1);
    const pressure = memoryPressure({ at: at(0) });
    // Eviction first, then pressure, then the rest in shuffled batches of 10.
    await handler(sqsEvent([storm[0]!]), lambdaContext);
    await handler(sqsEvent([pressure]), lambdaContext);
    const rest = storm.slice(1).reverse();
    for (let i = 0; i < rest.length; i += 10) await handler(sqsEvent(rest.slice(i, i + 10)), lambdaContext);
    const id = incidentIdFor(groupOf(storm[0]!).key, storm[0]!.key);
    expect(await memberCount(aws, id)).toBe(21);
    const store = new PipelineStore(aws.clients.doc, aws.tables.incidents);
    expect(await store.countClusterEvictions("prod-eu", at(-60), at(60))).toBe(20);
  });

  it("ignores non-memory evictions", async () => {
    const aws = await createTestAws("ingest-ignore");
    const handler = createIngestHandler(depsFor(aws));
    const res = await handler(sqsEvent([eviction({ resource: "ephemeral-storage" })]), lambdaContext);
    expect(res.batchItemFailures).toEqual([]);
    expect(await analyzeRequests(aws)).toEqual([]);
  });
});

describe("ingest: crash and retry", () => {
  /** Runs `os` through ingest with a crash after call `n`, then retries the same event cleanly. */
  async function crashThenRetry(aws: TestAws, os: Occurrence[], n: number) {
    const { clients, state } = crashingClients({ sqs: aws.clients.sqs, doc: aws.clients.doc }, n);
    const crashing = createIngestHandler(depsFor(aws, { sqs: clients.sqs, doc: clients.doc }));
    const event = sqsEvent(os);
    const first = await crashing(event, lambdaContext);
    const retry = createIngestHandler(depsFor(aws));
    const failed = new Set(first.batchItemFailures.map((f) => f.itemIdentifier));
    const second = await retry({ Records: event.Records.filter((r) => failed.has(r.messageId)) }, lambdaContext);
    expect(second.batchItemFailures).toEqual([]);
    return state.calls;
  }

  it("leaves the same counts whatever call the crash follows", async () => {
    const aws = await createTestAws("ingest-crash");
    // Each crash point gets its own workload, so one table serves all of them.
    const pair = (tag: string) => {
      const workload = { kind: "Deployment", name: `checkout-${tag}` };
      return [
        containerOom({ finishedAt: at(0), pod: { name: `${tag}-a`, uid: `uid-${tag}-a`, workload } }),
        containerOom({ finishedAt: at(3), pod: { name: `${tag}-b`, uid: `uid-${tag}-b`, workload } }),
      ] as const;
    };
    const { clients, state } = crashingClients({ sqs: aws.clients.sqs, doc: aws.clients.doc }, Number.POSITIVE_INFINITY);
    await createIngestHandler(depsFor(aws, { sqs: clients.sqs, doc: clients.doc }))(sqsEvent([...pair("probe")]), lambdaContext);
    const cleanCalls = state.calls;
    // Every call of the batch path (claims, the batch read, the batched writes, the sends) is a crash point below.
    expect(cleanCalls).toBeGreaterThan(5);
    await analyzeRequests(aws);

    const store = new PipelineStore(aws.clients.doc, aws.tables.incidents);
    for (let n = 1; n <= cleanCalls; n++) {
      const [o1, o2] = pair(`crash${n}`);
      await crashThenRetry(aws, [o1, o2], n);
      // Records of a batch run concurrently: either may open the incident.
      const group = await store.getGroup(groupOf(o1).key);
      const id = group!.incidentId;
      expect([incidentIdFor(groupOf(o1).key, o1.key), incidentIdFor(groupOf(o1).key, o2.key)]).toContain(id);
      expect({ n, members: await memberCount(aws, id) }).toEqual({ n, members: 2 });
      expect((await store.getOccurrence(o1.key))?.state).toBe("done");
      expect((await store.getOccurrence(o2.key))?.state).toBe("done");
      const requests = await analyzeRequests(aws);
      // Every incident reaches analyze at least once; duplicates are allowed (analyze is idempotent).
      expect(new Set(requests.map((r) => r.incidentId))).toEqual(new Set([id]));
      expect(requests.some((r) => r.trigger === "new" && r.occurrence.key === group!.openedBy)).toBe(true);
    }
  });
});
