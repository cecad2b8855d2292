import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { createAnalyzeHandler } from "../../functions/analyze/handler.ts";
import { groupOf, incidentIdFor } from "../../shared/domain/grouping.ts";
import type { AnalyzeRequest } from "../../shared/schema/incident.ts";
import { INCIDENT_SK, incidentPk } from "../../shared/storage/incident-item.ts";
import { createTestAws } from "../support/aws.ts";
import { at, containerOom, evictionStorm, memoryPressure, nodeOom } from "../domain/fixtures.ts";
import { lambdaContext, sqsEvent } from "../support/lambda.ts";
import { crashingClients } from "../support/crashing-clients.ts";
import { analyzeDeps, pipeline, take } from "./pipeline.ts";

const idOf = (o: Parameters<typeof groupOf>[0]) => incidentIdFor(groupOf(o).key, o.key);

describe("analyze: classification through the pipeline", () => {
  it("stores a Level 1 container OOM and asks notify to post it", async () => {
    const aws = await createTestAws("analyze-new");
    const p = pipeline(aws);
    const o = containerOom({ container: { memorySettings: { JAVA_TOOL_OPTIONS: "-Xmx900m" } } });
    const notes = await p.run([o]);
    expect(notes.map((n) => [n.change, n.revision])).toEqual([["new", 1]]);
    const inc = (await p.incident(idOf(o)))!;
    expect(inc).toMatchObject({
      level: 1,
      kind: "ContainerOOM",
      cluster: "prod-eu",
      namespace: "shop",
      workload: { kind: "Deployment", name: "checkout" },
      container: "api",
      occurrences: 1,
      enrichment: "event-time-only",
      enrichmentError: "no Kubernetes access configured",
    });
    expect(inc.diagnosis.causes).toContain("JVM_HEAP_TOO_LARGE");
    expect(inc.recommendation?.proposed.limitBytes).toBeGreaterThan(2 ** 30);
    const raw = (await p.rawIncident(inc.id))!;
    expect(raw).toMatchObject({ levelKey: "LEVEL#prod-eu#1", workloadKey: "WL#prod-eu#shop#Deployment/checkout" });
  });

  it("escalates to Level 2 on the 4th OOM within an hour, with the reason, and counts plain repeats", async () => {
    const aws = await createTestAws("analyze-frequent");
    const p = pipeline(aws);
    const os = [0, 10, 20, 30].map((m) => containerOom({ finishedAt: at(m) }));
    const notes = await p.run(os);
    // 2nd and 3rd are plain repeats: counted by ingest, not re-analysed.
    expect(notes.map((n) => [n.change, n.revision, n.incident.level])).toEqual([
      ["new", 1, 1],
      ["escalated", 4, 2],
    ]);
    const inc = (await p.incident(idOf(os[0]!)))!;
    expect(inc.occurrences).toBe(4);
    expect(inc.escalation).toEqual({ from: 1, reasons: [expect.stringMatching(/frequent OOM: 4 OOM kills/)] });
    expect(inc.escalationHistory).toEqual([{ from: 1, to: 2, reason: expect.stringMatching(/frequent OOM/), at: os[3]!.occurredAt }]);
    expect(inc.diagnosis.causes).toContain("FREQUENT_OOM");
    expect((await p.rawIncident(inc.id))!.levelKey).toBe("LEVEL#prod-eu#2");
  });

  it("turns a storm of 50 evictions on one node into one Level 3 incident", async () => {
    const aws = await createTestAws("analyze-storm");
    const p = pipeline(aws);
    const storm = evictionStorm(50, 10, 1);
    // The pressure report opens the incident (its id derives from the opening occurrence; within one
    // batch, records are processed concurrently and any of them could open it).
    await p.run([memoryPressure({ at: at(0) })]);
    await p.run(storm, 10);
    const inc = (await p.incident(idOf(memoryPressure({ at: at(0) }))))!;
    expect(inc).toMatchObject({ kind: "PodEviction", level: 3, occurrences: 51 });
    expect(inc.pods).toHaveLength(50);
    expect(inc.diagnosis.causes).toEqual(expect.arrayContaining(["MASS_EVICTION", "USAGE_ABOVE_REQUEST"]));
    // Counted up to the threshold only (11 of the 50 read): "at least 11".
    expect(inc.escalation.reasons.join()).toMatch(/mass eviction: 11\+ memory evictions in the cluster in 30 min \(policy: more than 10\)/);
    expect(inc.facts.evictions).toBe(50);
  });
});

describe("analyze: node OOM correlation", () => {
  const victim = () => containerOom({ finishedAt: at(1) });
  const system = () => nodeOom({ at: at(0), process: "java", pid: 4242 });

  it.each([
    ["container OOM first", () => [victim(), system()]],
    ["SystemOOM first", () => [system(), victim()]],
  ])("%s: the container incident is part of the node OOM incident, which is Level 3 and lists it", async (_name, order) => {
    const aws = await createTestAws("analyze-corr");
    const p = pipeline(aws);
    const notes = await p.run(order());
    const container = (await p.incident(idOf(victim())))!;
    const node = (await p.incident(idOf(system())))!;
    expect(container).toMatchObject({ kind: "ContainerOOM", level: 1, partOf: { incidentId: node.id, kind: "NodeOOM", node: "ip-10-0-12-34.eu-west-1.compute.internal" } });
    expect(container.escalation).toEqual({ reasons: [] });
    expect(container.diagnosis.causes).toContain("SYSTEM_OOM_VICTIM");
    expect(container.diagnosis.summary).toContain(`killed by the node OOM on ip-10-0-12-34.eu-west-1.compute.internal (node OOM incident ${node.id})`);
    expect(node).toMatchObject({
      kind: "NodeOOM",
      level: 3,
      victims: [{ namespace: "shop", pod: "checkout-7d9f8b6c5d-x2x4k", container: "api", incidentId: container.id }],
    });
    expect(node.partOf).toBeUndefined();
    // the last notify request of each incident carries the linked state
    const last = (id: string) => notes.filter((n) => n.incidentId === id).at(-1)?.incident;
    expect(last(container.id)?.partOf?.incidentId).toBe(node.id);
    expect(last(node.id)?.victims.map((v) => v.incidentId)).toEqual([container.id]);
  });

  it("a frequently OOMing victim keeps its own Level 2 and stays part of the node OOM", async () => {
    const aws = await createTestAws("analyze-corr-frequent");
    const p = pipeline(aws);
    const oom = (m: number) => containerOom({ finishedAt: at(m) });
    await p.run([oom(0), oom(10), oom(20), system(), oom(30)]);
    const container = (await p.incident(idOf(oom(0))))!;
    expect(container).toMatchObject({ level: 2, partOf: { incidentId: idOf(system()) }, occurrences: 4 });
    expect(container.diagnosis.causes).toEqual(expect.arrayContaining(["SYSTEM_OOM_VICTIM", "FREQUENT_OOM"]));
    expect((await p.incident(idOf(system())))!).toMatchObject({ level: 3, victims: [{ incidentId: container.id }] });
  });

  it("does not correlate a container OOM outside the window", async () => {
    const aws = await createTestAws("analyze-nocorr");
    const p = pipeline(aws);
    const late = containerOom({ finishedAt: at(10) });
    await p.run([system(), late]);
    const inc = (await p.incident(idOf(late)))!;
    expect(inc.level).toBe(1);
    expect(inc.partOf).toBeUndefined();
    expect((await p.incident(idOf(system())))!.victims).toEqual([]);
  });

  it("correlates a long container OOM incident only with a node OOM near one of its kills", async () => {
    const aws = await createTestAws("analyze-corr-long");
    const p = pipeline(aws);
    const oom = (m: number) => containerOom({ finishedAt: at(m) });
    // Between the kills (0, 10, 20, 30 min), more than the 2-minute window from each: the 4th
    // kill's analysis (Level 2) spans it but does not link it.
    const between = nodeOom({ at: at(5), process: "java", pid: 4242 });
    await p.run([oom(0), oom(10), between, oom(20), oom(30)]);
    const long = (await p.incident(idOf(oom(0))))!;
    expect(long).toMatchObject({ level: 2, occurrences: 4 });
    expect(long.partOf).toBeUndefined();
    expect((await p.incident(idOf(between)))!.victims).toEqual([]);
    // A node OOM 1 minute after a kill: linked both ways.
    const near = nodeOom({ at: at(31), process: "java", pid: 4343 });
    await p.run([near]);
    expect((await p.incident(idOf(oom(0))))!.partOf?.incidentId).toBe(idOf(between));
    expect((await p.incident(idOf(between)))!.victims.map((v) => v.incidentId)).toEqual([idOf(oom(0))]);
  });

  it("lists as victims of a long node OOM incident only the container OOMs near one of its node OOMs", async () => {
    const aws = await createTestAws("analyze-corr-long-node");
    const p = pipeline(aws);
    const first = nodeOom({ at: at(0), process: "java", pid: 4242 });
    const last = nodeOom({ at: at(10), process: "java", pid: 4343 });
    const far = containerOom({ finishedAt: at(5) });
    await p.run([first, last, far]);
    // An analysis of the node incident after all three: its span (0-10 min) holds the container OOM.
    const req: AnalyzeRequest = { version: 1, incidentId: idOf(first), trigger: "repeat", occurrence: last };
    await createAnalyzeHandler(analyzeDeps(aws))(sqsEvent([req]), lambdaContext);
    const node = (await p.incident(idOf(first)))!;
    expect(node.occurrences).toBe(2);
    expect(node.victims).toEqual([]);
    expect((await p.incident(idOf(far)))!.partOf).toBeUndefined();
    // The container's next kill, 1 minute after the last node OOM, makes it a victim.
    await p.run([containerOom({ finishedAt: at(11) })]);
    expect((await p.incident(idOf(first)))!.victims.map((v) => v.incidentId)).toEqual([idOf(far)]);
  });
});

describe("analyze: idempotence", () => {
  it("gives the same incident and the same notify request for a duplicate analyze message, and keeps slack", async () => {
    const aws = await createTestAws("analyze-dup");
    const p = pipeline(aws);
    const o = containerOom();
    await p.run([o]);
    const id = idOf(o);
    // notify posted it meanwhile
    await aws.clients.doc.send(
      new UpdateCommand({
        TableName: aws.tables.incidents,
        Key: { pk: incidentPk(id), sk: INCIDENT_SK },
        UpdateExpression: "SET slack = :s",
        ExpressionAttributeValues: { ":s": { channel: "C123", ts: "1700000000.000100" } },
      }),
    );
    const before = (await p.incident(id))!;
    const analyze = createAnalyzeHandler(analyzeDeps(aws));
    const req: AnalyzeRequest = { version: 1, incidentId: id, trigger: "new", occurrence: o };
    await analyze(sqsEvent([req, req]), lambdaContext);
    const notes = (await take(aws, aws.queues.notify.url)).map((m) => JSON.parse(m.Body!));
    expect(notes.map((n) => [n.change, n.revision])).toEqual([
      ["new", 1],
      ["new", 1],
    ]);
    const after = (await p.incident(id))!;
    expect(after.slack).toEqual({ channel: "C123", ts: "1700000000.000100" });
    expect({ ...after, updatedAt: "" }).toEqual({ ...before, updatedAt: "" });
  });

  it("recovers from a crash after any call with the same incident and notify request", async () => {
    const aws = await createTestAws("analyze-crash");
    const o = containerOom();
    await pipeline(aws).run([o]); // count a clean analysis' calls on a second incident below
    const id = idOf(o);
    const req: AnalyzeRequest = { version: 1, incidentId: id, trigger: "new", occurrence: o };
    const reference = (await pipeline(aws).incident(id))!;

    const probe = crashingClients({ sqs: aws.clients.sqs, doc: aws.clients.doc }, Number.POSITIVE_INFINITY);
    await createAnalyzeHandler(analyzeDeps(aws, probe.clients))(sqsEvent([req]), lambdaContext);
    const calls = probe.state.calls;
    expect(calls).toBeGreaterThan(3);
    await take(aws, aws.queues.notify.url);

    for (let n = 1; n <= calls; n++) {
      const { clients } = crashingClients({ sqs: aws.clients.sqs, doc: aws.clients.doc }, n);
      const crashed = await createAnalyzeHandler(analyzeDeps(aws, clients))(sqsEvent([req]), lambdaContext);
      const retried = await createAnalyzeHandler(analyzeDeps(aws))(sqsEvent([req]), lambdaContext);
      expect(retried.batchItemFailures).toEqual([]);
      const notes = (await take(aws, aws.queues.notify.url)).map((m) => JSON.parse(m.Body!));
      expect(notes.length).toBe(crashed.batchItemFailures.length ? (n === calls ? 2 : 1) : 1);
      for (const note of notes) expect({ n, change: note.change, revision: note.revision }).toEqual({ n, change: "new", revision: 1 });
      const inc = (await pipeline(aws).incident(id))!;
      expect({ ...inc, updatedAt: "" }).toEqual({ ...reference, updatedAt: "" });
    }
  });
});
