import { describe, expect, it } from "vitest";
import { classify } from "../../shared/domain/classify.ts";
import { groupOf, notMemoryReason } from "../../shared/domain/grouping.ts";
import { parsePolicy } from "../../shared/domain/policy.ts";
import { contextFor } from "./context.ts";
import { at, containerOom, eviction, memoryPressure, nodeOom } from "./fixtures.ts";

const guaranteed = { qosClass: "Guaranteed" as const };

describe("classify", () => {
  const cases = [
    { name: "container OOM (137)", ctx: contextFor(containerOom()), level: 1, reason: undefined },
    { name: "OOMKilled with exit code 1 is still a container OOM", ctx: contextFor(containerOom({ exitCode: 1 })), level: 1, reason: undefined },
    { name: "init-container OOM", ctx: contextFor(containerOom({ type: "init" })), level: 1, reason: undefined },
    { name: "3 OOMs in an hour stay Level 1", ctx: contextFor(containerOom(), { oomsInWindow: 3 }), level: 1, reason: undefined },
    { name: "4 OOMs in an hour -> Level 2", ctx: contextFor(containerOom(), { oomsInWindow: 4 }), level: 2, reason: /frequent OOM: 4 OOM kills of container api in 60 min/ },
    {
      name: "OOM of a system-node-critical pod -> Level 3",
      ctx: contextFor(containerOom({ pod: { priorityClassName: "system-node-critical", namespace: "kube-system" } })),
      level: 3,
      reason: /system-node-critical/,
    },
    {
      // a node-OOM victim is part of the node OOM incident (Level 3), not a second Level 3
      name: "container OOM next to a SystemOOM keeps Level 1",
      ctx: contextFor(containerOom(), { nodeOom: { incidentId: "n1", process: "java", at: at(0) } }),
      level: 1,
      reason: undefined,
    },
    {
      name: "frequent OOMs of a node-OOM victim -> Level 2",
      ctx: contextFor(containerOom(), { oomsInWindow: 4, nodeOom: { incidentId: "n1", process: "java", at: at(0) } }),
      level: 2,
      reason: /frequent OOM: 4 OOM kills/,
    },
    { name: "eviction (new message format)", ctx: contextFor(eviction()), level: 2, reason: undefined },
    { name: "eviction (old message format)", ctx: contextFor(eviction({ format: "old" })), level: 2, reason: undefined },
    { name: "10 evictions in 30 min stay Level 2", ctx: contextFor(eviction(), { clusterEvictionsInWindow: 10 }), level: 2, reason: undefined },
    { name: "11 evictions in 30 min -> Level 3", ctx: contextFor(eviction(), { clusterEvictionsInWindow: 11 }), level: 3, reason: /mass eviction: 11 memory/ },
    {
      name: "counting stopped at 11 -> Level 3, at least 11",
      ctx: contextFor(eviction(), { clusterEvictionsInWindow: 11, clusterEvictionsCapped: true }),
      level: 3,
      reason: /mass eviction: 11\+ memory evictions/,
    },
    { name: "eviction of a Guaranteed pod -> Level 3", ctx: contextFor(eviction({ pod: guaranteed })), level: 3, reason: /Guaranteed pod shop\/checkout/ },
    {
      name: "eviction of a system-cluster-critical pod -> Level 3",
      ctx: contextFor(eviction({ pod: { priorityClassName: "system-cluster-critical" } })),
      level: 3,
      reason: /system-cluster-critical/,
    },
    { name: "memory pressure", ctx: contextFor(memoryPressure()), level: 2, reason: undefined },
    { name: "node OOM", ctx: contextFor(nodeOom()), level: 3, reason: undefined },
  ];
  it.each(cases)("$name", ({ ctx, level, reason }) => {
    const c = classify(ctx);
    expect(c.level).toBe(level);
    if (reason) expect(c.reasons.join("\n")).toMatch(reason);
    else expect(c.reasons).toEqual([]);
  });

  it("uses a configured policy", () => {
    const policy = parsePolicy('{"frequentOom":{"count":1,"windowMinutes":10}}');
    expect(classify(contextFor(containerOom(), { oomsInWindow: 2, policy })).level).toBe(2);
    expect(() => parsePolicy('{"frequentOom":{"count":"x"}}')).toThrow(/frequentOom.count/);
    expect(() => parsePolicy("{nope")).toThrow(/not valid JSON/);
  });
});

describe("memory relevance and grouping", () => {
  it("ignores non-memory evictions, 137 without OOMKilled, and pressure turning False", () => {
    expect(notMemoryReason(eviction({ resource: "ephemeral-storage" }))).toMatch(/ephemeral-storage/);
    const liveness = containerOom();
    liveness.container = { ...liveness.container!, reason: "Error", exitCode: 137 };
    expect(notMemoryReason(liveness)).toMatch(/Error \(exit code 137\), not OOMKilled/);
    expect(notMemoryReason(memoryPressure({ status: "False" }))).toMatch(/pressure ended/);
    expect(notMemoryReason(containerOom({ exitCode: 1 }))).toBeUndefined();
    expect(notMemoryReason(eviction({ format: "old" }))).toBeUndefined();
  });

  it("groups container OOMs by top owner and container, so a rollout keeps the group", () => {
    const a = containerOom({ pod: { name: "checkout-aaa-1", uid: "u1", owner: { kind: "ReplicaSet", name: "checkout-aaa" } } });
    const b = containerOom({ pod: { name: "checkout-bbb-2", uid: "u2", owner: { kind: "ReplicaSet", name: "checkout-bbb" } } });
    const sidecar = containerOom({ container: { name: "envoy" } });
    expect(groupOf(a).key).toBe(groupOf(b).key);
    expect(groupOf(a).key).not.toBe(groupOf(sidecar).key);
    expect(groupOf(a).key).toBe("oom|prod-eu|shop|Deployment/checkout|api");
  });

  it("puts evictions and memory pressure of one node in one group, node OOM in another", () => {
    expect(groupOf(eviction()).key).toBe(groupOf(memoryPressure()).key);
    expect(groupOf(nodeOom()).key).not.toBe(groupOf(memoryPressure()).key);
    expect(groupOf(eviction({ pod: { nodeName: "other" } })).key).not.toBe(groupOf(eviction()).key);
  });
});
