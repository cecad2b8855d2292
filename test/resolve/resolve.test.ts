/**
 * Incident lifecycle on the emulators: the resolver finds open incidents quiet for the
 * group window through the byOpen index, marks them resolved and hands them to notify,
 * which updates the parent, replies once and puts `oomwatch.incident.resolved`.
 */
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createResolveHandler } from "../../functions/resolve/handler.ts";
import { INCIDENT_SK, incidentPk } from "../../shared/storage/incident-item.ts";
import { containerOom, notifyRequest } from "../notify/fixtures.ts";
import { type Bench, incidentIdOf, startBench } from "../notify/harness.ts";
import { drain } from "../support/sqs.ts";

let bench: Bench;
beforeAll(async () => {
  bench = await startBench();
});
afterAll(() => bench.stop());

const WINDOW_MIN = 30;
const at = (iso: string, minutes: number) => new Date(Date.parse(iso) + minutes * 60_000);
const resolver = (now: Date) =>
  createResolveHandler({
    sqs: bench.aws.clients.sqs,
    doc: bench.aws.clients.doc,
    tableName: bench.aws.tables.incidents,
    notifyQueueUrl: bench.aws.queues.notify.url,
    policy: { groupWindowMinutes: WINDOW_MIN },
    now: () => now,
  });
const stored = async (id: string) =>
  (await bench.aws.clients.doc.send(new GetCommand({ TableName: bench.aws.tables.incidents, Key: { pk: incidentPk(id), sk: INCIDENT_SK }, ConsistentRead: true }))).Item;

describe("incident lifecycle", () => {
  it("resolves an incident quiet for its window: parent updated, one reply, one resolved event", async () => {
    const inc = containerOom({ id: "inc-resolve-1", firstSeen: "2026-03-01T03:00:00Z", lastSeen: "2026-03-01T03:12:00Z", occurrences: 5 });
    await bench.store(inc);
    expect(await bench.run([notifyRequest(inc)])).toEqual([]);

    // Still inside the window: nothing to resolve.
    expect((await resolver(at(inc.lastSeen, WINDOW_MIN - 1))()).resolved).toEqual([]);
    expect((await stored(inc.id))?.status ?? "open").toBe("open");

    const { resolved } = await resolver(at(inc.lastSeen, WINDOW_MIN + 1))();
    expect(resolved.map((i) => i.id)).toEqual([inc.id]);
    expect(await stored(inc.id)).toMatchObject({ status: "resolved", resolvedAt: at(inc.lastSeen, WINDOW_MIN + 1).toISOString() });

    const bodies = (await drain(bench.aws.clients.sqs, bench.aws.queues.notify.url)).map((m) => m.Body!);
    expect(bodies.map((b) => JSON.parse(b).change)).toEqual(["resolved"]);
    // Delivered twice (at-least-once): still one reply and the parent says it once.
    expect(await bench.run(bodies)).toEqual([]);
    expect(await bench.run(bodies)).toEqual([]);

    const mine = bench.slackSink.messages().filter((m) => incidentIdOf(m) === inc.id);
    const parent = mine.find((m) => !m.thread_ts)!;
    expect(JSON.stringify(parent.blocks)).toContain("Resolved after 43 min, 5 occurrences");
    const resolvedReplies = mine.filter((m) => m.thread_ts === parent.ts && m.metadata?.event_payload.role === "resolved");
    expect(resolvedReplies).toHaveLength(1);
    const events = bench.events.events().filter((e) => e["detail-type"] === "oomwatch.incident.resolved");
    expect(events.map((e) => e.detail)).toEqual([expect.objectContaining({ dedupeKey: `${inc.id}:resolved`, incidentId: inc.id, occurrences: 5, durationMinutes: 43 })]);

    // Out of the index once Slack shows it: the next runs find nothing.
    expect((await stored(inc.id))?.openKey).toBeUndefined();
    expect((await resolver(at(inc.lastSeen, WINDOW_MIN + 10))()).resolved).toEqual([]);
  });

  it("a resolution whose notify request was lost is asked for again by the next run", async () => {
    const inc = containerOom({ id: "inc-resolve-2", firstSeen: "2026-03-02T03:00:00Z", lastSeen: "2026-03-02T03:00:00Z", occurrences: 1 });
    await bench.store(inc);
    await bench.run([notifyRequest(inc)]);
    const now = at(inc.lastSeen, WINDOW_MIN + 1);
    expect((await resolver(now)()).resolved.map((i) => i.id)).toEqual([inc.id]);
    await drain(bench.aws.clients.sqs, bench.aws.queues.notify.url); // lost
    const again = await resolver(at(inc.lastSeen, WINDOW_MIN + 2))();
    expect(again.resolved.map((i) => [i.id, i.resolvedAt])).toEqual([[inc.id, now.toISOString()]]);
  });
});
