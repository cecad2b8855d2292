/** notify end to end: the real handler, the real WebClient against the Slack sink, the local DynamoDB and EventBridge. */
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SinkMessage } from "../../sandbox/slack-sink.ts";
import { SLACK_LIMITS } from "../../functions/notify/limits.ts";
import { incidentPk, INCIDENT_SK } from "../../shared/storage/incident-item.ts";
import type { Incident } from "../../shared/schema/incident.ts";
import { drain } from "../support/sqs.ts";
import { containerOom, nodeOom, notifyRequest, podEviction } from "./fixtures.ts";
import { incidentIdOf, startBench, type Bench } from "./harness.ts";

let bench: Bench;
beforeAll(async () => {
  bench = await startBench();
});
afterAll(() => bench.stop());

let seq = 0;
/** A fresh incident id per test: tests share one sink and one table. */
const fresh = <T extends Incident>(make: (o: Record<string, unknown>) => T, over: Record<string, unknown> = {}): T => make({ id: `inc-${++seq}-${Date.now()}`, ...over });

const forIncident = (id: string): SinkMessage[] =>
  bench.slackSink.messages().filter((m) => incidentIdOf(m) === id);
const parents = (id: string) => forIncident(id).filter((m) => !m.thread_ts);
const role = (m: SinkMessage) => m.metadata?.event_payload.role;
/** Thread replies other than the once-per-incident runbook reply. */
const replies = (id: string) => forIncident(id).filter((m) => m.thread_ts && role(m) !== "runbook");
const runbookReplies = (id: string) => forIncident(id).filter((m) => m.thread_ts && role(m) === "runbook");
const channelName = (m: SinkMessage) => m.channelName;

type Block = { type: string; text?: { text: string }; fields?: Array<{ text: string }>; elements?: Array<{ text?: string }> };
const blockTexts = (m: SinkMessage): string[] =>
  ((m.blocks ?? []) as Block[]).flatMap((b) => [b.text?.text ?? "", ...(b.fields ?? []).map((f) => f.text), ...(b.elements ?? []).map((e) => e.text ?? "")]);
const allText = (m: SinkMessage) => blockTexts(m).join("\n");

async function storedSlack(doc: DynamoDBDocumentClient, table: string, id: string) {
  const { Item } = await doc.send(new GetCommand({ TableName: table, Key: { pk: incidentPk(id), sk: INCIDENT_SK }, ConsistentRead: true }));
  return Item?.slack as { channel: string; ts: string; revision: number; level: number; missingChannel?: string; ops?: { channel: string; ts: string }; runbook?: { channel: string; ts: string }; permalink?: string } | undefined;
}
const eventsFor = (id: string) => bench.events.events().filter((e) => (e.detail as { incidentId?: string }).incidentId === id);

describe("message content per level", () => {
  it("Level 1: numbers, diagnosis, recommendation and filled-in runbook steps", async () => {
    const inc = fresh(containerOom, { occurrences: 2, lastSeen: "2026-03-01T03:04:00Z" });
    await bench.store(inc);
    expect(await bench.run([notifyRequest(inc)])).toEqual([]);

    const [parent] = parents(inc.id);
    expect(parent).toBeDefined();
    const m = parent!;
    expect(channelName(m)).toBe("payments-oncall"); // SLACK_CHANNEL_MAP
    const blocks = m.blocks as Block[];
    expect(blocks[0]).toMatchObject({ type: "header", text: { text: expect.stringContaining("Level 1 · Container OOM · payments/deployment/checkout") } });
    const text = allText(m);
    expect(text).toContain("*Respond within 5 min*");
    expect(text).toMatch(/Container `api` of `deployment\/checkout` in `payments` was OOM killed 2 times .*limit \*1Gi\*.*usage seen \*1010Mi\*.*\*4 restarts\*.*exit code 137/);
    expect(text).toContain("`JVM_HEAP_TOO_LARGE` JVM heap leaves too little room under the limit");
    expect(text).toContain("memory request: 512Mi → *768Mi*");
    expect(text).toContain("memory limit: 1Gi → *1.5Gi*");
    expect(text).toContain("`JAVA_TOOL_OPTIONS=-XX:MaxRAMPercentage=75`");
    expect(text).toContain("*Occurrences:* 2");
    expect(text).toMatch(/\*First seen:\* <!date\^\d+\^[^|]+\|2026-03-01 02:59:00 UTC>/);
    // the first runbook steps with the real names, as code; the whole runbook in the first thread reply
    expect(text).toContain("*First steps* (the whole runbook is in the thread)");
    expect(text).toContain("kubectl -n payments logs checkout-7d9f-abcde -c api --previous --tail=200");
    expect(text).not.toMatch(/<pod>|<namespace>|\{\{/);
    expect(text).toContain("<https://runbooks.example/docs/runbooks/level-1.md|Level 1 runbook>");
    const [runbook, ...again] = runbookReplies(inc.id);
    expect(again).toEqual([]);
    expect(runbook).toMatchObject({ thread_ts: m.ts, channel: m.channel });
    const full = allText(runbook!);
    expect(full).toContain("kubectl -n payments set resources deployment/checkout -c api --requests=memory=768Mi --limits=memory=1.5Gi");
    expect(full).toContain("JVM: size the heap inside the limit"); // JAVA_TOOL_OPTIONS present
    expect(full).not.toContain("Go: give the runtime a soft limit");
    expect(full).not.toMatch(/<pod>|<namespace>|\{\{/);
    expect(full).toContain("<https://runbooks.example/docs/runbooks/level-1.md|docs/runbooks/level-1.md>");
    expect(m.text).toMatch(/^Level 1 Container OOM in prod-eu: payments\/deployment\/checkout\. .*Respond within 5 min\.$/);

    // the parent reference is stored on the incident
    const ref = await storedSlack(bench.aws.clients.doc, bench.aws.tables.incidents, inc.id);
    expect(ref).toMatchObject({ channel: m.channel, ts: m.ts, revision: 2, level: 1, permalink: expect.stringContaining(m.channel) });
  });

  it("Level 2 eviction: node checks and the eviction message as code", async () => {
    const inc = fresh(podEviction);
    await bench.store(inc);
    await bench.run([notifyRequest(inc)]);
    const text = `${allText(parents(inc.id)[0]!)}\n${allText(runbookReplies(inc.id)[0]!)}`;
    expect(text).toContain("*Respond within 10 min*");
    expect(text).toMatch(/3 pods of `deployment\/checkout` evicted from `ip-10-0-1-23` because the node ran low on memory: request \*512Mi\*, usage seen \*900Mi\*/);
    expect(text).toContain("kubectl describe node ip-10-0-1-23");
    expect(text).toContain("kubectl get pods -A --field-selector=spec.nodeName=ip-10-0-1-23,status.phase=Failed -o wide");
    expect(text).toContain("```\nThe node was low on resource: memory. Threshold quantity: 100Mi, available: 80Mi.\n```");
    expect(text).not.toContain("Repeated container OOM");
  });

  it("Level 3 node OOM: default channel plus an ops copy with the ops mention, node-level checks, a level-3 event", async () => {
    const inc = fresh(nodeOom);
    await bench.store(inc);
    await bench.run([notifyRequest(inc)]);
    const ps = parents(inc.id);
    expect(ps.map(channelName).sort()).toEqual(["oom-alerts", "ops"]);
    const owner = ps.find((m) => m.channelName === "oom-alerts")!;
    const ops = ps.find((m) => m.channelName === "ops")!;
    expect(allText(ops)).toContain("<!here> *Respond within 30 min*");
    expect(allText(owner)).not.toContain("<!here>");
    const text = allText(owner);
    expect((owner.blocks as Block[])[0]?.text?.text).toContain("Level 3 · Node OOM · node ip-10-0-9-9");
    expect(text).toContain("The kernel OOM killer ran on `ip-10-0-9-9` and killed `java`");
    expect(text).toContain("pod limits 12.6Gi (180% of allocatable)");
    expect(text).toContain("*Killed on the node:* `payments/checkout-7d9f-abcde (api)`");
    expect(text).toContain("kubectl cordon ip-10-0-9-9");
    expect(text).toContain("dmesg -T | grep -iE 'invoked oom-killer|killed process|out of memory'   # on the node");
    expect(allText(runbookReplies(inc.id)[0]!)).toContain("kubectl drain ip-10-0-9-9 --ignore-daemonsets");
    const ref = await storedSlack(bench.aws.clients.doc, bench.aws.tables.incidents, inc.id);
    expect(ref?.ops).toEqual({ channel: ops.channel, ts: ops.ts });

    const [event] = eventsFor(inc.id);
    expect(event).toMatchObject({
      source: "oomwatch",
      "detail-type": "oomwatch.incident.level3",
      eventBusName: "oomwatch-test",
      detail: {
        version: 1,
        dedupeKey: `${inc.id}:level3`,
        change: "new",
        incidentId: inc.id,
        level: 3,
        responseMinutes: 30,
        kind: "NodeOOM",
        cluster: "prod-eu",
        node: "ip-10-0-9-9",
        causes: ["NODE_OVERCOMMITTED", "SYSTEM_OOM_VICTIM"],
        runbook: "https://runbooks.example/docs/runbooks/level-3.md",
        slack: { channel: owner.channel, ts: owner.ts, permalink: expect.any(String) },
      },
    });
  });
});

describe("routing", () => {
  const withPod = (over: { annotations?: Record<string, string>; labels?: Record<string, string>; namespaceAnnotations?: Record<string, string> }, namespace = "payments") => {
    const base = containerOom();
    return fresh(containerOom, { namespace, snapshot: { pod: { ...base.snapshot.pod!, namespace, ...over } } });
  };

  it("pod annotation wins, with the owner mention", async () => {
    const inc = withPod({ annotations: { "oomwatch.io/slack-channel": "#team-checkout", "oomwatch.io/owner": "U0123ABCD" } });
    await bench.store(inc);
    await bench.run([notifyRequest(inc)]);
    const [m] = parents(inc.id);
    expect(m?.channelName).toBe("team-checkout");
    expect(allText(m!)).toContain("<@U0123ABCD> *Respond within 5 min*");
    expect(m?.text.startsWith("<@U0123ABCD> ")).toBe(true);
  });

  it("namespace annotation before the map; a broadcast as owner is shown as text, not a ping", async () => {
    const inc = withPod({ namespaceAnnotations: { "oomwatch.io/slack-channel": "team-checkout", "oomwatch.io/owner": "<!channel>" } });
    await bench.store(inc);
    await bench.run([notifyRequest(inc)]);
    const [m] = parents(inc.id);
    expect(m?.channelName).toBe("team-checkout");
    expect(JSON.stringify(m?.blocks)).not.toContain("<!channel>");
    expect(allText(m!)).toContain("&lt;!channel&gt;");
  });

  it("default channel when nothing matches", async () => {
    const inc = withPod({}, "batch");
    await bench.store(inc);
    await bench.run([notifyRequest(inc)]);
    expect(parents(inc.id).map(channelName)).toEqual(["oom-alerts"]);
  });

  it("channel_not_found falls back to the default channel and says so", async () => {
    const inc = withPod({ annotations: { "oomwatch.io/slack-channel": "#no-such-channel" } });
    await bench.store(inc);
    expect(await bench.run([notifyRequest(inc)])).toEqual([]);
    const [m] = parents(inc.id);
    expect(m?.channelName).toBe("oom-alerts");
    expect(allText(m!)).toContain("Routed to #no-such-channel, which was not found: posted here instead.");
    expect((await storedSlack(bench.aws.clients.doc, bench.aws.tables.incidents, inc.id))?.missingChannel).toBe("#no-such-channel");
    expect(bench.metricNames).toContain("SlackChannelFallback");
  });
});

describe("threads instead of spam", () => {
  it("repeats reply in the thread and update the parent; escalation replies, re-levels the parent and puts an event", async () => {
    const v1 = fresh(containerOom);
    await bench.store(v1);
    await bench.run([notifyRequest(v1)]);
    const parent = parents(v1.id)[0]!;

    const v2 = { ...v1, occurrences: 2, lastSeen: "2026-03-01T03:10:00Z" };
    await bench.run([notifyRequest(v2, "repeat", 2)]);
    expect(replies(v1.id)).toHaveLength(1);
    expect(replies(v1.id)[0]).toMatchObject({ thread_ts: parent.ts, channel: parent.channel });
    expect(allText(replies(v1.id)[0]!)).toContain(":repeat: *Again:* 2 occurrences now");
    expect(parent.edits).toHaveLength(1);
    expect(allText(parent)).toContain("*Occurrences:* 2");

    // the same revision again (duplicate delivery) changes nothing
    expect(await bench.run([notifyRequest(v2, "repeat", 2)])).toEqual([]);
    expect(replies(v1.id)).toHaveLength(1);
    expect(parent.edits).toHaveLength(1);

    const v4 = {
      ...v1,
      level: 2 as const,
      occurrences: 4,
      escalation: { from: 1 as const, reasons: ["4 OOM kills of checkout/api within 1h (more than 3)"] },
    };
    await bench.run([notifyRequest(v4, "escalated", 4)]);
    expect(replies(v1.id)).toHaveLength(2);
    expect(allText(replies(v1.id)[1]!)).toContain(":arrow_double_up: *Escalated to Level 2* (was Level 1): 4 OOM kills of checkout/api within 1h (more than 3)");
    expect((parent.blocks as Block[])[0]?.text?.text).toContain("Level 2 · Container OOM");
    expect(allText(parent)).toContain("*Respond within 10 min*");
    expect(allText(parent)).toContain("Repeated container OOM: treat it as a broken deployment");
    const runbook = allText(runbookReplies(v1.id)[0]!);
    expect(runbook).toContain("Runbook · Level 2"); // edited in place on escalation
    expect(runbook).toContain("Raise the memory request and limit"); // Level 1 steps kept for the container
    expect(runbookReplies(v1.id)).toHaveLength(1);
    expect(parents(v1.id)).toHaveLength(1);
    const evs = eventsFor(v1.id);
    expect(evs.map((e) => e["detail-type"])).toEqual(["oomwatch.incident.level1", "oomwatch.incident.level2"]);
    expect(evs[1]?.detail).toMatchObject({ change: "escalated", level: 2, previousLevel: 1, escalationReasons: ["4 OOM kills of checkout/api within 1h (more than 3)"] });
    expect(await storedSlack(bench.aws.clients.doc, bench.aws.tables.incidents, v1.id)).toMatchObject({ revision: 4, level: 2 });
  });

  it("escalation to Level 3 adds the ops copy once and keeps it updated", async () => {
    const v1 = fresh(containerOom);
    await bench.store(v1);
    await bench.run([notifyRequest(v1)]);
    const v3 = { ...v1, level: 3 as const, occurrences: 2, escalation: { from: 1 as const, reasons: ["OOM of a system-node-critical pod"] } };
    await bench.run([notifyRequest(v3, "escalated", 2)]);
    await bench.run([notifyRequest(v3, "escalated", 2)]); // duplicate delivery
    const ops = parents(v1.id).filter((m) => m.channelName === "ops");
    expect(ops).toHaveLength(1);
    expect(allText(ops[0]!)).toContain("<!here> *Respond within 30 min*");
    expect(parents(v1.id)).toHaveLength(2);
    await bench.run([notifyRequest({ ...v3, occurrences: 3 }, "repeat", 3)]);
    expect(ops[0]!.edits).toHaveLength(1);
    expect(allText(ops[0]!)).toContain("*Occurrences:* 3");
    expect(eventsFor(v1.id).map((e) => e["detail-type"])).toEqual(["oomwatch.incident.level1", "oomwatch.incident.level3"]);
  });

  it("a storm of 500 evictions makes one parent and a handful of replies", async () => {
    const base = fresh(podEviction);
    await bench.store(base);
    for (let batch = 0; batch < 50; batch++) {
      const requests = Array.from({ length: 10 }, (_, k) => {
        const n = batch * 10 + k + 1;
        return notifyRequest({ ...base, occurrences: n, facts: { ...base.facts, evictions: n } }, n === 1 ? "new" : "repeat", n);
      });
      expect(await bench.run(requests)).toEqual([]);
    }
    expect(parents(base.id)).toHaveLength(1);
    expect(replies(base.id).length).toBeGreaterThan(0);
    expect(replies(base.id).length).toBeLessThanOrEqual(10);
    expect(allText(parents(base.id)[0]!)).toContain("*Occurrences:* 500");
    expect(bench.metricNames.filter((n) => n === "NotifySuperseded").length).toBeGreaterThanOrEqual(450);
  });
});

describe("exactly one post per incident", () => {
  it("duplicate and concurrent deliveries of a new incident post once", async () => {
    const inc = fresh(containerOom);
    await bench.store(inc);
    // every post Slack saw, including any that were deleted again
    const posts: string[] = [];
    const unsubscribe = bench.slackSink.subscribe((m, change) => {
      if (change === "posted" && !m.thread_ts && incidentIdOf(m) === inc.id) posts.push(m.ts);
    });
    const runs = await Promise.all([1, 2, 3].map(() => bench.run([notifyRequest(inc)])));
    await bench.run([notifyRequest(inc)]);
    unsubscribe();
    expect(posts).toHaveLength(1);
    expect(parents(inc.id)).toHaveLength(1);
    // the losers of the race are retried later (lease held), not posted
    expect(runs.flat().length).toBeLessThanOrEqual(2);
    const stored = await storedSlack(bench.aws.clients.doc, bench.aws.tables.incidents, inc.id);
    expect(stored?.ts).toBe(parents(inc.id)[0]?.ts);
  });

  it("a delivery that finds the posting lease held waits for the parent instead of failing the record", async () => {
    const inc = fresh(containerOom);
    await bench.store(inc);
    const runs = await Promise.all([1, 2].map(() => bench.run([notifyRequest(inc)], { deps: { leaseWaitMs: 5000 } })));
    expect(runs.flat()).toEqual([]);
    expect(parents(inc.id)).toHaveLength(1);
    // without waiting, the loser is returned for an SQS retry
    const other = fresh(containerOom);
    await bench.store(other);
    const noWait = await Promise.all([1, 2].map(() => bench.run([notifyRequest(other)], { deps: { leaseWaitMs: 0 } })));
    expect(noWait.flat()).toHaveLength(1);
    expect(parents(other.id)).toHaveLength(1);
  });

  it("the runbook reply and the ops copy are stored with the parent, so a delivery waiting for the lease never posts its own", async () => {
    const inc = fresh(nodeOom);
    await bench.store(inc);
    // The function stops right after storing the parent reference (which ends the lease): what a
    // delivery waiting for the lease reads then must already name every once-per-incident message.
    const doc = bench.aws.clients.doc;
    let stored = false;
    const stopsAfterStore = new Proxy(doc, {
      get(target, prop, receiver) {
        if (prop !== "send") return Reflect.get(target, prop, receiver);
        return async (cmd: { input?: { UpdateExpression?: string } }) => {
          if (stored) throw new Error("stopped after storing the parent");
          const out = await target.send(cmd as never);
          if (cmd.input?.UpdateExpression?.startsWith("SET slack = ")) stored = true;
          return out;
        };
      },
    });
    await bench.run([notifyRequest(inc)], { deps: { doc: stopsAfterStore } });
    expect(stored).toBe(true);
    const ref = await storedSlack(doc, bench.aws.tables.incidents, inc.id);
    expect(ref?.runbook?.ts).toBeDefined();
    expect(ref?.ops?.channel).toBeDefined();

    // Two deliveries at once: each message once, nothing deleted.
    const other = fresh(nodeOom);
    await bench.store(other);
    const posted: string[] = [];
    const unsubscribe = bench.slackSink.subscribe((m, change) => {
      if (incidentIdOf(m) === other.id && change === "posted") posted.push(m.thread_ts ? "reply" : "parent");
    });
    const deletedBefore = bench.slackSink.counters.deleted;
    const runs = await Promise.all([1, 2].map(() => bench.run([notifyRequest(other)], { deps: { leaseWaitMs: 5000 } })));
    unsubscribe();
    expect(runs.flat()).toEqual([]);
    expect(posted.sort()).toEqual(["parent", "parent", "reply"]);
    expect(bench.slackSink.counters.deleted).toBe(deletedBefore);
  });

  it("a crash between posting and storing is recovered from the message metadata", async () => {
    const inc = fresh(containerOom);
    await bench.store(inc);
    // the write of the `slack` attribute fails, as if the function died right after posting
    const doc = bench.aws.clients.doc;
    const failing = new Proxy(doc, {
      get(target, prop, receiver) {
        if (prop !== "send") return Reflect.get(target, prop, receiver);
        return (cmd: { input?: { UpdateExpression?: string } }) => {
          if (cmd.input?.UpdateExpression?.startsWith("SET slack = ")) return Promise.reject(new Error("crash"));
          return target.send(cmd as never);
        };
      },
    });
    const messageId = `crash-${inc.id}`;
    expect(await bench.run([notifyRequest(inc)], { messageIds: [messageId], deps: { doc: failing } })).toEqual([messageId]);
    expect(parents(inc.id)).toHaveLength(1);
    expect(await storedSlack(doc, bench.aws.tables.incidents, inc.id)).toBeUndefined();

    // SQS redelivers the same message: no second post, the reference is stored
    expect(await bench.run([notifyRequest(inc)], { messageIds: [messageId] })).toEqual([]);
    expect(parents(inc.id)).toHaveLength(1);
    expect((await storedSlack(doc, bench.aws.tables.incidents, inc.id))?.ts).toBe(parents(inc.id)[0]?.ts);
    expect(bench.metricNames).toContain("NotifyRecovered");
  });

  it("a lost `slack` attribute is found again through conversations.history", async () => {
    const inc = fresh(containerOom, { snapshot: { pod: { ...containerOom().snapshot.pod!, annotations: { "oomwatch.io/slack-channel": "#team-checkout" } } } });
    await bench.store(inc);
    await bench.run([notifyRequest(inc)]);
    const first = parents(inc.id)[0]!;
    await bench.aws.clients.doc.send(
      new UpdateCommand({ TableName: bench.aws.tables.incidents, Key: { pk: incidentPk(inc.id), sk: INCIDENT_SK }, UpdateExpression: "REMOVE slack" }),
    );
    await bench.run([notifyRequest(inc)]);
    expect(parents(inc.id)).toHaveLength(1);
    expect(await storedSlack(bench.aws.clients.doc, bench.aws.tables.incidents, inc.id)).toMatchObject({ channel: first.channel, ts: first.ts });
  });

  it("an incident not stored yet is retried, not posted", async () => {
    const inc = fresh(containerOom);
    const failures = await bench.run([notifyRequest(inc)], { messageIds: ["not-stored"] });
    expect(failures).toEqual(["not-stored"]);
    expect(parents(inc.id)).toHaveLength(0);
  });
});

describe("Slack limits and failures", () => {
  it("429 returns the record (and the rest of the batch) as batch item failures, without waiting", async () => {
    const a = fresh(containerOom);
    const b = fresh(podEviction);
    await bench.store(a);
    await bench.store(b);
    bench.slackSink.inject({ kind: "ratelimit", retryAfterSeconds: 30, methods: ["chat.postMessage"] });
    const failures = await bench.run([notifyRequest(a), notifyRequest(b)], { messageIds: [`429-a-${a.id}`, `429-b-${b.id}`] });
    expect(failures).toEqual([`429-a-${a.id}`, `429-b-${b.id}`]);
    expect(parents(a.id)).toHaveLength(0);
    expect(parents(b.id)).toHaveLength(0);
    expect(bench.metricNames).toContain("SlackRetryableError");
    // SQS redelivers later: both post
    expect(await bench.run([notifyRequest(a), notifyRequest(b)], { messageIds: [`429-a-${a.id}`, `429-b-${b.id}`] })).toEqual([]);
    expect(parents(a.id)).toHaveLength(1);
    expect(parents(b.id)).toHaveLength(1);
  });

  it("5xx and a hanging Slack are retried through SQS", async () => {
    const inc = fresh(containerOom);
    await bench.store(inc);
    bench.slackSink.inject({ kind: "status", status: 503, methods: ["conversations.history"] });
    expect(await bench.run([notifyRequest(inc)], { messageIds: ["m-503"] })).toEqual(["m-503"]);
    bench.slackSink.inject({ kind: "hang", methods: ["chat.postMessage"] });
    expect(await bench.run([notifyRequest(inc)], { messageIds: ["m-503"] })).toEqual(["m-503"]);
    expect(await bench.run([notifyRequest(inc)], { messageIds: ["m-503"] })).toEqual([]);
    expect(parents(inc.id)).toHaveLength(1);
  });

  it("records are not started when the function is nearly out of time", async () => {
    const inc = fresh(containerOom);
    await bench.store(inc);
    const failures = await bench.run([notifyRequest(inc)], { messageIds: ["late"], deps: { minRemainingMs: 60_000 } });
    expect(failures).toEqual(["late"]);
    expect(parents(inc.id)).toHaveLength(0);
  });

  it("permanent errors are counted, dead-lettered with the reason and acknowledged", async () => {
    const inc = fresh(containerOom);
    await bench.store(inc);
    bench.slackSink.inject({ kind: "error", error: "invalid_auth", methods: ["chat.postMessage"] });
    expect(await bench.run([notifyRequest(inc)])).toEqual([]);
    expect(bench.metricNames).toContain("SlackPermanentError");
    const dlq = await drain(bench.aws.clients.sqs, bench.aws.queues.notify.dlqUrl);
    const dead = dlq.find((m) => m.Body?.includes(inc.id));
    expect(dead?.MessageAttributes?.["oomwatch-error"]?.StringValue).toBe("SLACK_PERMANENT");
    expect(dead?.MessageAttributes?.["oomwatch-error-reason"]?.StringValue).toContain("invalid_auth");
  });

  it("malformed requests go to the DLQ with the reason", async () => {
    expect(await bench.run(["{not json", JSON.stringify({ version: 1, incidentId: "x" })])).toEqual([]);
    const dlq = await drain(bench.aws.clients.sqs, bench.aws.queues.notify.dlqUrl);
    const codes = dlq.map((m) => m.MessageAttributes?.["oomwatch-error"]?.StringValue);
    expect(codes).toEqual(expect.arrayContaining(["INVALID_JSON", "SCHEMA"]));
  });

  it("huge inputs stay inside Block Kit limits", async () => {
    const pods = Array.from({ length: 1000 }, (_, n) => `checkout-7d9f-${String(n).padStart(5, "0")}`);
    const long = "x".repeat(10_000);
    const inc = fresh(podEviction, {
      pods,
      lastMessage: `${long}<!channel>`,
      diagnosis: { causes: Array.from({ length: 200 }, (_, n) => `CAUSE_${n}`), summary: long },
      escalation: { from: 1, reasons: Array.from({ length: 50 }, () => "y".repeat(500)) },
      enrichmentError: long,
      enrichment: "event-time-only",
      victims: pods.map((pod) => ({ namespace: "payments", pod, container: "api" })),
    });
    await bench.store(inc);
    expect(await bench.run([notifyRequest(inc)])).toEqual([]); // the sink answers invalid_blocks / msg_too_long past the limits
    const m = parents(inc.id)[0]!;
    const blocks = m.blocks as Block[];
    expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    for (const b of blocks) {
      if (b.type === "section") expect(b.text?.text.length ?? 0).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
      if (b.type === "header") expect(b.text?.text.length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
    }
    expect(m.text.length).toBeLessThanOrEqual(3000);
    expect(allText(m)).toContain("and 997 more");
    expect(JSON.stringify(m.blocks)).not.toContain("<!channel>");
  });
});

describe("safety", () => {
  it("mrkdwn in event messages and names is escaped: no pings, no disguised links", async () => {
    const evil = "<!channel> OOM! see <https://evil.example/login|the dashboard> @here & <@U999>";
    const inc = fresh(containerOom, { lastMessage: evil, diagnosis: { causes: ["<!here>"], summary: evil } });
    await bench.store(inc);
    await bench.run([notifyRequest(inc)]);
    const m = parents(inc.id)[0]!;
    const raw = JSON.stringify(m.blocks) + m.text;
    for (const bad of ["<!channel>", "<!here>", "<https://evil.example", "<@U999>", "@here"]) expect(raw).not.toContain(bad);
    expect(allText(m)).toContain("&lt;!channel&gt; OOM! see &lt;https://evil.example/login|the dashboard&gt;");
    // and it still reads right for a human
    expect(bench.slackSink.render(m)).toContain("<!channel> OOM! see <https://evil.example/login|the dashboard>");
  });
});
