/**
 * Delivery through failures: forwarder restart mid-scenario, watch drops, 410
 * relists, an API outage and an SQS outage. Each ends with every occurrence
 * delivered and none delivered twice by one process.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createAwsClients } from "../../shared/clients/aws.ts";
import { holdSends } from "../support/sqs.ts";
import { baseCluster, expectNoDuplicates, oomingPod, podWithOoms, sqsOutageScenario, track } from "./scenarios.ts";
import { collectingLogger, type Harness, keyCounts, kubeConfigVia, startTcpProxy } from "./support.ts";
import { waitFor } from "../support/wait.ts";

/** SQS outage length; 3 s keeps the suite fast (sqs-outage-30s.test.ts runs the full 30 s). */
const OUTAGE_MS = Number(process.env.OOMWATCH_TEST_SQS_OUTAGE_MS ?? 3000);

let h: Harness;
afterEach(async () => {
  await h?.close();
});

describe("forwarder resilience", () => {
  it("restart mid-scenario: what happened while down (within lookback) is sent, older is not, nothing twice per process", async () => {
    h = await baseCluster("fwd-restart");
    const oom = oomingPod(h, "api");
    const first = await h.start();
    const sentA = track(first);
    const k1 = oom(10);
    const k2 = oom(5);
    await waitFor("two sent", () => first.stats().sent === 2, 10_000);
    await first.stop();

    const kOld = oom(120); // older than the lookback: skipped after restart
    const k3 = oom(1);
    const second = await h.start({ lookbackMs: 3_600_000 });
    const sentB = track(second);
    await waitFor("k3 after restart", () => sentB.some((o) => o.key === k3), 10_000);
    await h.drain();
    expectNoDuplicates(sentA);
    expectNoDuplicates(sentB);
    const all = new Set(h.received.map((o) => o.key));
    for (const k of [k1, k2, k3]) expect(all.has(k), k).toBe(true);
    expect(all.has(kOld)).toBe(false);
    expect(sentA.map((o) => o.key).sort()).toEqual([k1, k2].sort());
  });

  it("watch drops, 410 relists and an API outage never re-send and never lose", async () => {
    h = await baseCluster("fwd-watch");
    const pod = podWithOoms(h, "web");
    const fw = await h.start({ metricsPort: 0 });
    const sent = track(fw);
    const keys = [pod.oom(9)];
    await waitFor("first", () => sent.length === 1, 10_000);

    h.sim.dropWatches();
    pod.touch();
    keys.push(pod.oom(8));
    await waitFor("after drop", () => sent.length === 2, 10_000);

    // Compacted history: resuming from the old resourceVersion answers 410 Gone → relist.
    h.sim.compact();
    h.sim.dropWatches();
    pod.touch();
    keys.push(pod.oom(7));
    await waitFor("after 410", () => sent.length === 3, 10_000);
    pod.touch();

    h.sim.clearRequests();
    h.sim.setAvailable(false);
    keys.push(pod.oom(6)); // happens while the API is unreachable
    // The outage ends once the forwarder has run into it (a request cut off), not after a set time.
    await waitFor("a request cut off by the outage", () => h.sim.requests().length > 0, 10_000);
    h.sim.setAvailable(true);
    await waitFor("after API outage", () => sent.length === 4, 10_000);
    pod.touch();

    // Relists re-deliver every object; give them time to show no false new occurrences.
    h.sim.compact();
    h.sim.dropWatches();
    await h.drain(600);
    expectNoDuplicates(sent);
    expect(sent.map((o) => o.key).sort()).toEqual([...keys].sort());
    expect(keyCounts(h.received)).toEqual(new Map(keys.map((k) => [k, 1])));

    const metrics = await (await fetch(`http://127.0.0.1:${fw.metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/oomwatch_forwarder_watch_restarts_total\{resource="pods",reason="gone"\} [1-9]/);
    expect(metrics).toMatch(/oomwatch_forwarder_watch_restarts_total\{resource="pods",reason="error"\} [1-9]/);
    expect(metrics).toMatch(/oomwatch_forwarder_sent_total 4/);
    expect((await fetch(`http://127.0.0.1:${fw.metricsPort}/readyz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${fw.metricsPort}/healthz`)).status).toBe(200);
  });

  it("a silent API partition (connections swallowed) is detected by the watch deadline and recovered", async () => {
    h = await baseCluster("fwd-silent");
    const api = await startTcpProxy(h.sim.url);
    try {
      const fw = await h.start({ kubeConfig: kubeConfigVia(h.sim, api.url), watchTimeoutSeconds: 1, listTimeoutMs: 1000 });
      const sent = track(fw);
      const pod = podWithOoms(h, "quiet");
      const keys = [pod.oom(5)];
      await waitFor("before partition", () => sent.length === 1, 10_000);
      api.blackhole();
      keys.push(pod.oom(4));
      await new Promise((r) => setTimeout(r, 1500));
      await api.up();
      await waitFor("after partition", () => sent.length === 2, 30_000);
      expectNoDuplicates(sent);
      expect(sent.map((o) => o.key)).toEqual(keys);
    } finally {
      await api.close();
    }
  });

  it(`SQS outage (${OUTAGE_MS} ms): retried with backoff, every occurrence delivered once`, async () => {
    h = await baseCluster("fwd-sqs");
    await sqsOutageScenario(h, OUTAGE_MS);
  });

  it("a full outbox sheds the oldest waiting occurrences with a metric and a log line, and keeps the rest", async () => {
    h = await baseCluster("fwd-shed");
    const logger = collectingLogger();
    // Sends are held, not failed: a failed batch goes back to the front of the outbox and would
    // reorder it. What the sender took stays in flight; everything after it waits in the outbox.
    const sqs = createAwsClients({ endpoints: { sqs: h.aws.endpoints.sqs }, maxAttempts: 1 }).sqs;
    const sends = holdSends(sqs);
    const fw = await h.start({ sqs, outboxSize: 3, logger });
    const observed: string[] = [];
    fw.on("observed", (o) => observed.push(o.key));
    const oom = oomingPod(h, "shed");
    const keys: string[] = [];
    // One OOM at a time: the outbox receives them in this order (evidence is gathered concurrently).
    for (const minutesAgo of [9, 8, 7, 6, 5, 4, 3]) {
      const key = oom(minutesAgo);
      keys.push(key);
      await waitFor(`${key} observed`, () => observed.includes(key), 10_000);
    }

    const inFlight = sends.held.flat().map((body) => (JSON.parse(body) as { key: string }).key);
    expect(inFlight, "the sender took the first ones").toEqual(keys.slice(0, inFlight.length));
    const waiting = keys.slice(inFlight.length);
    const shed = waiting.slice(0, waiting.length - 3);
    expect(shed.length).toBeGreaterThanOrEqual(2);
    expect(logger.lines.filter((l) => l.message.startsWith("outbox full")).map((l) => l.extra?.key)).toEqual(shed);
    expect(fw.stats().shed).toBe(shed.length);

    sends.release();
    const kept = keys.filter((k) => !shed.includes(k));
    await waitFor("the rest delivered", () => fw.stats().outbox === 0 && fw.stats().sent === kept.length, 10_000);
    await h.drain();
    expect(keyCounts(h.received)).toEqual(new Map(kept.map((k) => [k, 1])));
  });

  it("flushes the outbox on stop", async () => {
    h = await baseCluster("fwd-flush");
    const proxy = await startTcpProxy(h.aws.endpoints.sqs);
    try {
      const sqs = createAwsClients({ endpoints: { sqs: proxy.url }, maxAttempts: 1 }).sqs;
      const fw = await h.start({ sqs, sendBackoff: { baseMs: 5_000, capMs: 5_000 } });
      await proxy.down();
      const oom = oomingPod(h, "flush");
      const keys = [oom(3), oom(2), oom(1)];
      await waitFor("waiting in the outbox", () => fw.stats().failed > 0 && fw.stats().outbox === 3, 10_000);
      await proxy.up();
      // The entries are in backoff for seconds; stop() must send them now, not drop them.
      await fw.stop();
      expect(fw.stats().outbox).toBe(0);
      await h.drain();
      expect(keyCounts(h.received)).toEqual(new Map(keys.map((k) => [k, 1])));
    } finally {
      await proxy.close();
    }
  });
});
