import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../forwarder/log.ts";
import { MemoryHistory } from "../../forwarder/memory-history.ts";
import { ForwarderMetrics } from "../../forwarder/metrics.ts";
import { createSampler } from "../../forwarder/sampler.ts";
import { MAX_TOP_CONTAINERS } from "../../shared/schema/occurrence.ts";

const Mi = 2 ** 20;
const AT = "2026-03-01T08:00:00Z";

/** A running one-container pod on `node` with a 1000 Mi limit. */
const pod = (name: string, node: string): V1Pod => ({
  metadata: { name, namespace: "shop", uid: `uid-${name}` },
  spec: { nodeName: node, containers: [{ name: "app", resources: { limits: { memory: "1000Mi" } } }] },
  status: { containerStatuses: [{ name: "app", restartCount: 0, image: "", imageID: "", ready: true, state: { running: {} } }] },
});

describe("sampler top containers", () => {
  it("keeps each node's largest working sets, largest first, at most MAX_TOP_CONTAINERS", async () => {
    // 13 pods on node-a with working sets 10..130 Mi in shuffled order, one on node-b.
    const sizes = [70, 10, 130, 40, 100, 20, 120, 60, 90, 30, 110, 50, 80];
    const pods = [...sizes.map((_, i) => pod(`a-${i}`, "node-a")), pod("b-0", "node-b")];
    const usage = new Map([...sizes.map((mi, i) => [`a-${i}`, mi] as const), ["b-0", 5]]);
    const metrics = {
      getPodMetrics: async () => ({
        items: pods.map((p) => ({
          metadata: { name: p.metadata!.name!, namespace: "shop" },
          timestamp: AT,
          window: "15s",
          containers: [{ name: "app", usage: { cpu: "1m", memory: `${usage.get(p.metadata!.name!)}Mi` } }],
        })),
      }),
      getNodeMetrics: async () => ({ items: [] }),
    };
    const sampler = createSampler({
      metrics: metrics as never,
      history: new MemoryHistory(),
      pods: () => pods,
      logger: createLogger("ERROR"),
      counters: new ForwarderMetrics(),
      timeoutMs: 1000,
    });
    const round = await sampler.round();
    expect(round?.containers).toHaveLength(14);

    const top = sampler.topContainers("node-a");
    expect(top).toHaveLength(MAX_TOP_CONTAINERS);
    expect(top.map((c) => c.workingSetBytes / Mi)).toEqual([130, 120, 110, 100, 90, 80, 70, 60, 50, 40]);
    expect(top[0]).toEqual({ namespace: "shop", pod: "a-2", container: "app", workingSetBytes: 130 * Mi, limitBytes: 1000 * Mi });
    expect(sampler.topContainers("node-a", 3).map((c) => c.pod)).toEqual(["a-2", "a-6", "a-10"]);
    expect(sampler.topContainers("node-b").map((c) => c.pod)).toEqual(["b-0"]);
    expect(sampler.topContainers("node-c")).toEqual([]);
    // Callers get copies: changing one does not change the next answer.
    top[0]!.workingSetBytes = 0;
    expect(sampler.topContainers("node-a")[0]!.workingSetBytes).toBe(130 * Mi);
  });
});
