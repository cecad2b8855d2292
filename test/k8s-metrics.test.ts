import { describe, expect, test } from "vitest";
import { memoryUsageOf } from "../shared/k8s/metrics.ts";

describe("metrics API parsing", () => {
  test("node working set, pods as the sum of their containers, containers by namespace/pod/name", () => {
    const nodes = { items: [{ metadata: { name: "n1" }, usage: { memory: "2Gi" } }, { metadata: { name: "n2" }, usage: { memory: "1Gi" } }] };
    const pods = {
      items: [
        { metadata: { namespace: "shop", name: "api-1" }, containers: [{ name: "app", usage: { memory: "100Mi" } }, { name: "proxy", usage: { memory: "28Mi" } }] },
        { metadata: { namespace: "shop", name: "idle" }, containers: [{ name: "app", usage: {} }] },
      ],
    };
    const usage = memoryUsageOf("n1", nodes, pods);
    expect(usage.nodeMemory).toBe(2 * 2 ** 30);
    expect(usage.podMemory).toEqual(new Map([["shop/api-1", 128 * 2 ** 20], ["shop/idle", 0]]));
    expect(usage.containerMemory.get("shop/api-1/proxy")).toBe(28 * 2 ** 20);
  });

  test("a node the metrics API does not list has no working set", () => {
    expect(memoryUsageOf("gone", { items: [] }, {}).nodeMemory).toBeUndefined();
  });
});
