/**
 * Evidence that needs the API beyond the informer caches: redacted previous-log
 * tail (opt-in), metrics API usage; and a namespace-scoped forwarder that still
 * sees node events.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as f from "../../sandbox/k8s-sim/factories.ts";
import type { Occurrence } from "../../shared/schema/occurrence.ts";
import { createHarness, type Harness } from "./support.ts";
import { waitFor } from "../support/wait.ts";

let h: Harness;
const observed: Occurrence[] = [];

beforeAll(async () => {
  h = await createHarness("fwd-evidence");
  h.sim.apply(f.namespace("shop"));
  h.sim.apply(f.namespace("other"));
  h.sim.apply(f.node("node-a"));
  const fw = await h.start({ captureLogs: true, namespaces: ["shop"] });
  fw.on("observed", (o) => observed.push(o));
});

afterAll(async () => {
  await h?.close();
});

describe("forwarder evidence", () => {
  it("captures the previous container's log tail, redacted, and metrics API usage", async () => {
    const p = f.pod("shop", "cache-0", { nodeName: "node-a", containers: [{ name: "cache", requests: { memory: "1Gi", cpu: "500m" }, limits: { memory: "1Gi", cpu: "500m" } }] });
    h.sim.apply(p);
    h.sim.setPodLog("shop", "cache-0", "cache", [
      "starting cache",
      "connecting to redis://cache:hunter2pass@redis:6379",
      "Authorization: Bearer abc.def.ghi-secret-token",
      "java.lang.OutOfMemoryError: Java heap space",
    ], true);
    h.sim.setMetrics({ node: "node-a", usage: { memory: "7Gi", cpu: "1" } });
    h.sim.setMetrics({ namespace: "shop", pod: "cache-0", containers: { cache: { memory: "1000Mi", cpu: "100m" } } });
    h.sim.apply(f.podOomKilled(p, "cache"));
    await waitFor("oom", () => observed.some((o) => o.pod?.uid === p.metadata?.uid), 10_000);
    const o = observed.find((x) => x.pod?.uid === p.metadata?.uid)!;
    const tail = o.snapshot.pod?.logTail ?? [];
    expect(tail).toHaveLength(4);
    expect(tail[3]).toBe("java.lang.OutOfMemoryError: Java heap space");
    expect(tail.join("\n")).not.toMatch(/hunter2pass|abc\.def\.ghi-secret-token/);
    expect(o.snapshot.node?.usage?.memory).toBe(7 * 2 ** 30);
    expect(o.snapshot.node?.topPods[0]).toMatchObject({ name: "cache-0", usage: { memory: 1000 * 2 ** 20 } });
    expect(o.snapshot.pod?.qosClass).toBe("Guaranteed");
  });

  it("watches only the configured namespaces, but still sees node events", async () => {
    const other = f.pod("other", "x", { nodeName: "node-a", containers: [{ name: "c" }] });
    h.sim.apply(other);
    h.sim.apply(f.podOomKilled(other, "c"));
    h.sim.apply(f.systemOOMEvent("node-a", { process: "kubelet", pid: 77 }));
    await waitFor("node event", () => observed.some((o) => o.nodeOOM?.pid === 77), 10_000);
    expect(observed.filter((o) => o.namespace === "other")).toEqual([]);
  });
});
