/**
 * Node-OOM victims in Slack (issue 5 "No spam", issue 4 "Correlation"): a container OOM
 * that is part of a node OOM is one reply in the node incident's thread, never a parent
 * or an ops copy of its own, whatever order the two incidents reach notify in.
 */
import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SinkMessage } from "../../sandbox/slack-sink.ts";
import type { Incident } from "../../shared/schema/incident.ts";
import { INCIDENT_SK, incidentPk } from "../../shared/storage/incident-item.ts";
import { containerOom, nodeOom, notifyRequest } from "./fixtures.ts";
import { type Bench, incidentIdOf, startBench } from "./harness.ts";

let bench: Bench;
beforeAll(async () => {
  bench = await startBench();
});
afterAll(() => bench.stop());

let seq = 0;

/** A node OOM incident and its victim, with fresh ids: tests share one sink and one table. */
function pair(opts: { linked?: boolean } = {}) {
  const n = `${++seq}-${Date.now()}`;
  const nodeId = `node-${n}`;
  const victimId = `victim-${n}`;
  const partOf = { incidentId: nodeId, kind: "NodeOOM", node: "ip-10-0-9-9" };
  const victim = containerOom({
    id: victimId,
    node: "ip-10-0-9-9",
    diagnosis: { causes: ["SYSTEM_OOM_VICTIM"], summary: `container api of payments/checkout-7d9f-abcde was killed by the node OOM on ip-10-0-9-9 (node OOM incident ${nodeId})` },
    ...(opts.linked === false ? {} : { partOf }),
  });
  const node = nodeOom({ id: nodeId, victims: [{ namespace: "payments", pod: "checkout-7d9f-abcde", container: "api", incidentId: victimId }] });
  return { node, victim, unlinked: containerOom({ ...victim, partOf: undefined }) };
}

const forIncident = (id: string): SinkMessage[] => bench.slackSink.messages().filter((m) => incidentIdOf(m) === id);
const parents = (id: string) => forIncident(id).filter((m) => !m.thread_ts);
const role = (m: SinkMessage) => m.metadata?.event_payload.role;
/** Thread replies other than each parent's once-per-incident runbook reply. */
const replies = (id: string) => forIncident(id).filter((m) => m.thread_ts && role(m) !== "runbook");

type Block = { text?: { text: string }; fields?: Array<{ text: string }>; elements?: Array<{ text?: string }> };
const allText = (m: SinkMessage) =>
  ((m.blocks ?? []) as Block[]).flatMap((b) => [b.text?.text ?? "", ...(b.fields ?? []).map((f) => f.text), ...(b.elements ?? []).map((e) => e.text ?? "")]).join("\n");

async function slackOf(id: string) {
  const { Item } = await bench.aws.clients.doc.send(
    new GetCommand({ TableName: bench.aws.tables.incidents, Key: { pk: incidentPk(id), sk: INCIDENT_SK }, ConsistentRead: true }),
  );
  return Item?.slack as
    | { channel: string; ts: string; revision: number; level: number; victims?: number; ops?: unknown; partOf?: { incidentId: string; thread: { ts: string }; reply: { ts: string } } }
    | undefined;
}
/** Stores the incident as analyze does: every attribute but notify's `slack`. */
async function analyzed(incident: Incident) {
  const slack = await slackOf(incident.id);
  await bench.store(incident);
  if (!slack) return;
  await bench.aws.clients.doc.send(
    new UpdateCommand({
      TableName: bench.aws.tables.incidents,
      Key: { pk: incidentPk(incident.id), sk: INCIDENT_SK },
      UpdateExpression: "SET slack = :s",
      ExpressionAttributeValues: { ":s": slack },
    }),
  );
}
const eventsFor = (id: string) => bench.events.events().filter((e) => (e.detail as { incidentId?: string }).incidentId === id);

/** The node incident's owner parent (not the ops copy). */
const nodeParent = (node: Incident) => parents(node.id).find((m) => m.channelName === "oom-alerts")!;

/** The victim is exactly one reply in the node thread, carries its own content, and nothing else. */
async function expectOneReplyInNodeThread(node: Incident, victim: Incident) {
  const parent = nodeParent(node);
  expect(parents(victim.id)).toEqual([]);
  const rs = replies(victim.id);
  expect(rs).toHaveLength(1);
  expect(rs[0]).toMatchObject({ channel: parent.channel, thread_ts: parent.ts });
  expect(role(rs[0]!)).toBe("victim");
  const text = allText(rs[0]!);
  expect(text).toContain(":link: *Killed by this node OOM on `ip-10-0-9-9`* · Level 1 Container OOM · `payments/deployment/checkout`");
  expect(text).toContain("was killed by the node OOM on `ip-10-0-9-9`");
  expect(text).toContain("`SYSTEM_OOM_VICTIM`");
  expect(text).toContain("memory limit: 1Gi → *1.5Gi*");
  expect(await slackOf(victim.id)).toMatchObject({
    channel: parent.channel,
    ts: rs[0]!.ts,
    partOf: { incidentId: node.id, thread: { ts: parent.ts }, reply: { ts: rs[0]!.ts } },
  });
  expect((await slackOf(victim.id))?.ops).toBeUndefined();
  expect(eventsFor(victim.id)).toEqual([]);
}

describe("node OOM victims: one reply in the node incident's thread", () => {
  it("node parent first: the victim replies in its thread, once under duplicates; the node parent lists it", async () => {
    const { node, victim } = pair();
    // the node incident was analysed before the victim was known
    const early = { ...node, victims: [] };
    await bench.store(early);
    await bench.run([notifyRequest(early)]);
    expect(parents(node.id).map((m) => m.channelName).sort()).toEqual(["oom-alerts", "ops"]);

    await bench.store(victim);
    expect(await bench.run([notifyRequest(victim), notifyRequest(victim)])).toEqual([]);
    expect(await bench.run([notifyRequest(victim)])).toEqual([]);
    await expectOneReplyInNodeThread(node, victim);

    // the node's correlation re-analysis (same revision, one more victim) updates its parent
    await analyzed(node);
    await bench.run([notifyRequest(node)]);
    expect(allText(nodeParent(node))).toContain("*Killed on the node:* `payments/checkout-7d9f-abcde (api)`");
    expect(await slackOf(node.id)).toMatchObject({ victims: 1 });
    expect(replies(node.id)).toEqual([]);
    await expectOneReplyInNodeThread(node, victim);
  });

  it("victim first: acknowledged without posting, then replied by the node's notify right after its parent", async () => {
    const { node, victim } = pair();
    await bench.store(victim);
    expect(await bench.run([notifyRequest(victim)])).toEqual([]);
    expect(forIncident(victim.id)).toEqual([]);
    expect(bench.metricNames).toContain("NotifyDeferred");

    await bench.store(node);
    expect(await bench.run([notifyRequest(node)])).toEqual([]);
    await expectOneReplyInNodeThread(node, victim);
    // later deliveries of either request change nothing
    expect(await bench.run([notifyRequest(victim), notifyRequest(node)])).toEqual([]);
    await expectOneReplyInNodeThread(node, victim);
    expect(parents(node.id)).toHaveLength(2);
  });

  it.each([
    ["node before victim", (n: Incident, v: Incident) => [n, v]],
    ["victim before node", (n: Incident, v: Incident) => [v, n]],
  ])("both in one batch (%s): one reply", async (_name, order) => {
    const { node, victim } = pair();
    await bench.store(node);
    await bench.store(victim);
    expect(await bench.run(order(node, victim).map((i) => notifyRequest(i)))).toEqual([]);
    await expectOneReplyInNodeThread(node, victim);
  });

  it("a victim posted before the correlation was known keeps its parent, which now points at the node thread", async () => {
    const { node, victim, unlinked } = pair({ linked: false });
    await bench.store(unlinked);
    await bench.run([notifyRequest(unlinked)]);
    const own = parents(victim.id);
    expect(own).toHaveLength(1);
    await bench.store(node);
    await bench.run([notifyRequest(node)]);
    // the node's notify linked it (it is listed), before analyze re-ran the victim
    const rs = replies(victim.id).filter((m) => m.thread_ts === nodeParent(node).ts);
    expect(rs).toHaveLength(1);
    expect(allText(own[0]!)).toMatch(/:link: \*Part of the node OOM on `ip-10-0-9-9` \(incident `node-[^`]+`\)\*: follow the node incident <[^|]+\|thread>/);
    expect(allText(own[0]!)).toContain("was killed by the node OOM on `ip-10-0-9-9`");

    // analyze's correlation re-analysis (partOf, same revision) arrives: nothing more to post
    await analyzed(victim);
    await bench.run([notifyRequest(victim)]);
    expect(parents(victim.id)).toHaveLength(1);
    expect(replies(victim.id)).toHaveLength(1);
    expect(parents(victim.id).filter((m) => m.channelName === "ops")).toEqual([]);
    expect(await slackOf(victim.id)).toMatchObject({ ts: own[0]!.ts, partOf: { incidentId: node.id, reply: { ts: rs[0]!.ts } } });

    // a repeat updates its own parent, still pointing at the node thread
    const again = { ...victim, occurrences: 2 };
    await analyzed(again);
    await bench.run([notifyRequest(again, "repeat", 2)]);
    expect(allText(own[0]!)).toContain("*Occurrences:* 2");
    expect(allText(own[0]!)).toMatch(/:link: \*Part of the node OOM.*follow the node incident <[^|]+\|thread>/);
  });

  it("a repeat of a reply-only victim updates its reply in place", async () => {
    const { node, victim } = pair();
    await bench.store(node);
    await bench.store(victim);
    await bench.run([notifyRequest(node)]);
    await bench.run([notifyRequest(victim)]);
    const escalated = {
      ...victim,
      level: 2 as const,
      occurrences: 4,
      escalation: { from: 1 as const, reasons: ["frequent OOM: 4 OOM kills of container api in 60 min (policy: more than 3)"] },
    };
    await analyzed(escalated);
    await bench.run([notifyRequest(escalated, "escalated", 4)]);
    const [reply] = replies(victim.id);
    expect(replies(victim.id)).toHaveLength(1);
    expect(reply!.edits).toHaveLength(1);
    expect(allText(reply!)).toContain("Level 2 Container OOM");
    expect(allText(reply!)).toContain("*Occurrences:* 4");
    expect(parents(victim.id)).toEqual([]);
    expect(await slackOf(victim.id)).toMatchObject({ revision: 4, level: 2 });
  });

  it("a lost link is found again in the thread instead of replying twice", async () => {
    const { node, victim } = pair();
    await bench.store(node);
    await bench.store(victim);
    await bench.run([notifyRequest(node)]);
    await bench.run([notifyRequest(victim)]);
    // as if the function died after posting the reply, before storing it
    await bench.aws.clients.doc.send(
      new UpdateCommand({ TableName: bench.aws.tables.incidents, Key: { pk: incidentPk(victim.id), sk: INCIDENT_SK }, UpdateExpression: "REMOVE slack" }),
    );
    await bench.run([notifyRequest(victim)]);
    await expectOneReplyInNodeThread(node, victim);
  });
});
