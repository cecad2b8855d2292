/**
 * High availability: two replicas on one Lease (short timings). Only the leader
 * sends; when the leader is cut off from the API it steps down and the other
 * takes over, sending what happened in between; a clean stop hands off at once
 * by clearing holderIdentity.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Forwarder } from "../../forwarder/forwarder.ts";
import * as f from "../../sandbox/k8s-sim/factories.ts";
import type { Occurrence } from "../../shared/schema/occurrence.ts";
import { podWithOoms } from "./scenarios.ts";
import { createHarness, type Harness, keyCounts, kubeConfigVia, startTcpProxy, type TcpProxy } from "./support.ts";
import { waitFor } from "../support/wait.ts";

const LEASE = { namespace: "oomwatch", name: "oomwatch-forwarder", leaseDurationMs: 1500, renewMs: 250 };

let h: Harness;
const proxies: TcpProxy[] = [];
afterEach(async () => {
  await h?.close();
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

async function replica(identity: string): Promise<{ fw: Forwarder; sent: Occurrence[]; api: TcpProxy }> {
  const api = await startTcpProxy(h.sim.url);
  proxies.push(api);
  const fw = await h.start({ identity, kubeConfig: kubeConfigVia(h.sim, api.url), leaderElection: LEASE });
  const sent: Occurrence[] = [];
  fw.on("sent", (o) => sent.push(o));
  return { fw, sent, api };
}

function ooms(name: string) {
  const pod = podWithOoms(h, name);
  let minutes = 30;
  return () => pod.oom(minutes--);
}

const holder = () => h.sim.get<ReturnType<typeof f.lease>>("Lease", LEASE.namespace, LEASE.name)?.spec?.holderIdentity;

describe("leader election", () => {
  it.each(["refused", "blackhole"] as const)("only the leader sends; on a partition (%s) the other replica takes over and sends what it missed", async (how) => {
    h = await createHarness("fwd-leader");
    h.sim.apply(f.namespace("oomwatch"));
    h.sim.apply(f.namespace("shop"));
    h.sim.apply(f.node("node-a"));
    const a = await replica("replica-a");
    await waitFor("a leads", () => a.fw.stats().leader, 5000);
    const b = await replica("replica-b");
    const next = ooms("api");
    const k1 = next();
    await waitFor("k1", () => a.sent.length === 1 && b.fw.stats().observed.ContainerOOM === 1, 5000);
    expect(b.fw.stats().leader).toBe(false);
    expect(b.sent).toEqual([]);
    expect(holder()).toBe("replica-a");

    // Cut replica A off the API: it cannot renew, steps down; B takes over after the lease expires.
    if (how === "refused") await a.api.down();
    else a.api.blackhole();
    const k2 = next(); // nobody is leading-and-watching when this happens
    await waitFor("a steps down", () => !a.fw.stats().leader, 5000);
    await waitFor("b leads", () => b.fw.stats().leader, 10_000);
    expect(holder()).toBe("replica-b");
    await waitFor("k2 by b", () => b.sent.some((o) => o.key === k2), 5000);
    const k3 = next();
    await waitFor("k3 by b", () => b.sent.some((o) => o.key === k3), 5000);

    await h.drain();
    for (const s of [a.sent, b.sent]) expect([...keyCounts(s).values()].every((n) => n === 1)).toBe(true);
    expect(a.sent.map((o) => o.key)).toEqual([k1]);
    const got = new Set(h.received.map((o) => o.key));
    for (const k of [k1, k2, k3]) expect(got.has(k), k).toBe(true);
  });

  it("a clean stop releases the lease and the standby takes over", async () => {
    h = await createHarness("fwd-handoff");
    h.sim.apply(f.namespace("oomwatch"));
    h.sim.apply(f.node("node-a"));
    const a = await replica("replica-a");
    await waitFor("a leads", () => a.fw.stats().leader, 5000);
    const b = await replica("replica-b");
    await a.fw.stop();
    expect(a.fw.stats().leader).toBe(false);
    // Released, not left to expire: the holder is already cleared (or B has just taken it).
    expect(holder()).not.toBe("replica-a");
    await waitFor("b leads", () => b.fw.stats().leader, 5000);
    expect(holder()).toBe("replica-b");
  });
});
