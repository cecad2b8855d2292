/**
 * The generated storm, played in the Kubernetes simulator: it must make exactly the occurrences
 * the benchmark counts as generated, also in the 4x growth run of the full storm (whose nodes once
 * ran out of BestEffort pods, so evictions hit the services and OOM kills hit two pods each).
 */
import { afterEach, describe, expect, it } from "vitest";
import { STORM_FULL, type StormSize, stormCounts, stormScenario } from "../../bench/storm-scenario.ts";
import { grownStorm } from "../../bench/storm.ts";
import { type K8sSimulator, startK8sSimulator } from "../../sandbox/k8s-sim/server.ts";
import { playScenario } from "../../sandbox/k8s-sim/scenario.ts";
import type { Pod } from "../../sandbox/k8s-sim/types.ts";

let sim: K8sSimulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

/** What the storm left in the cluster: evictions (and of which namespace), OOM kills, pods OOM-killed. */
async function play(size: StormSize) {
  sim = await startK8sSimulator({});
  await playScenario(sim, stormScenario(size), { speed: 1000 });
  const pods = sim.list<Pod>("Pod");
  const evicted = pods.filter((p) => p.status?.reason === "Evicted");
  const killed = pods.filter((p) => p.metadata?.namespace === "shop" && (p.status?.containerStatuses?.[0]?.restartCount ?? 0) > 0);
  return {
    evictions: evicted.length,
    servicesEvicted: evicted.filter((p) => p.metadata?.namespace === "shop").length,
    kills: killed.reduce((n, p) => n + (p.status?.containerStatuses?.[0]?.restartCount ?? 0), 0),
    podsKilled: killed.length,
  };
}

describe("the generated storm in the simulator", () => {
  for (const [name, size] of [
    ["full", STORM_FULL],
    ["full, 4x growth run", grownStorm(STORM_FULL)],
  ] as const) {
    it(`${name}: every eviction finds a BestEffort worker, every kill one service pod`, { timeout: 60_000 }, async () => {
      const expected = stormCounts(size);
      expect(await play(size)).toEqual({ evictions: expected.PodEviction, servicesEvicted: 0, kills: expected.ContainerOOM, podsKilled: size.services });
    });
  }
});
