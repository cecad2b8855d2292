/** Scenario helpers shared by the forwarder integration tests. */
import { expect } from "vitest";
import type { Forwarder } from "../../forwarder/forwarder.ts";
import * as f from "../../sandbox/k8s-sim/factories.ts";
import { createAwsClients } from "../../shared/clients/aws.ts";
import type { Occurrence } from "../../shared/schema/occurrence.ts";
import { createHarness, type Harness, keyCounts, startTcpProxy } from "./support.ts";
import { waitFor } from "../support/wait.ts";

export function track(fw: Forwarder): Occurrence[] {
  const sent: Occurrence[] = [];
  fw.on("sent", (o) => sent.push(o));
  return sent;
}

export function expectNoDuplicates(sent: Occurrence[]): void {
  const dup = [...keyCounts(sent)].filter(([, n]) => n > 1);
  expect(dup).toEqual([]);
}

/**
 * A deployment pod on node-a: `oom(minutesAgo)` applies its next OOM and returns that OOM's key;
 * `touch()` applies an unrelated update (same status), which must not re-send anything.
 */
export function podWithOoms(h: Harness, name: string) {
  const d = f.deployment("shop", name, { containers: [{ name: "app", limits: { memory: "256Mi" } }] });
  h.sim.apply(d.deployment);
  h.sim.apply(d.replicaSet);
  let current = d.pod(0, { nodeName: "node-a" });
  h.sim.apply(current);
  let touches = 0;
  return {
    oom(minutesAgo: number): string {
      const finishedAt = new Date(Date.now() - minutesAgo * 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");
      current = f.podOomKilled(current, "app", { finishedAt });
      h.sim.apply(current);
      return `oom:${current.metadata?.uid}:app:${new Date(finishedAt).toISOString()}`;
    },
    touch(): void {
      current = { ...current, metadata: { ...current.metadata, labels: { ...current.metadata?.labels, touched: String(++touches) } } };
      h.sim.apply(current);
    },
  };
}

export function oomingPod(h: Harness, name: string) {
  const p = podWithOoms(h, name);
  return (minutesAgo: number) => p.oom(minutesAgo);
}

export async function baseCluster(name: string): Promise<Harness> {
  const harness = await createHarness(name);
  harness.sim.apply(f.namespace("shop"));
  harness.sim.apply(f.node("node-a"));
  return harness;
}

/**
 * SQS unreachable for `outageMs` (a proxy in front of the emulator is cut) while 12
 * more OOMs happen: all are retried and delivered once when SQS is back.
 */
export async function sqsOutageScenario(h: Harness, outageMs: number): Promise<void> {
  const proxy = await startTcpProxy(h.aws.endpoints.sqs);
  try {
    const sqs = createAwsClients({ endpoints: { sqs: proxy.url }, maxAttempts: 1 }).sqs;
    const fw = await h.start({ sqs });
    const sent = track(fw);
    const oom = oomingPod(h, "batch");
    const keys = [oom(20)];
    await waitFor("before outage", () => sent.length === 1, 10_000);

    await proxy.down();
    for (let i = 19; i > 7; i--) keys.push(oom(i)); // 12 more: two SendMessageBatch calls
    await waitFor("failures during outage", () => fw.stats().failed > 0, 10_000);
    await new Promise((r) => setTimeout(r, outageMs));
    expect(sent).toHaveLength(1);
    await proxy.up();

    await waitFor("all after outage", () => sent.length === keys.length, 15_000);
    await h.drain();
    expectNoDuplicates(sent);
    expect(keyCounts(h.received)).toEqual(new Map(keys.map((k) => [k, 1])));
    expect(fw.stats().outbox).toBe(0);
  } finally {
    await proxy.close();
  }
}
