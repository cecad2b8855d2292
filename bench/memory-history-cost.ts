/**
 * What the forwarder's memory history costs at scale, measured in this process with the
 * class itself (forwarder/memory-history.ts) and the sampler's metrics parser (`containerReadings`
 * in shared/k8s/metrics.ts):
 * the heap it holds for N containers over a full window, and the CPU of one sampling round
 * (parse a metrics-API pod list of N containers, record every working set). The sampler loop
 * around them adds HTTP and scheduling, not per-container work.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { containerKey, DEFAULT_HISTORY_INTERVAL_SECONDS, DEFAULT_HISTORY_WINDOW_SECONDS, MemoryHistory } from "../forwarder/memory-history.ts";
import { containerReadings } from "../shared/k8s/metrics.ts";
import { median } from "./results.ts";

const MiB = 2 ** 20;
const CONTAINERS_PER_POD = 2;

export interface HistoryCost {
  containers: number;
  samplesPerContainer: number;
  /** Heap growth while the history holds a full window, after full GCs. */
  heapMiB: number;
  /** The class's own accounting (typed arrays exact, maps estimated). */
  accountedMiB: number;
  /** Median CPU (user + system) of one round: JSON.parse + containerReadings + record for every container. */
  roundCpuMs: number;
  rounds: number;
}

/** A full GC, so heap figures are what is still referenced (the flag is set once for this process). */
function collector(): () => void {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  return () => {
    gc();
    gc();
  };
}

/** The body metrics-server returns for `pods`: one item per pod with its containers' working sets. */
function podMetricsText(pods: number, round: number): string {
  const items = Array.from({ length: pods }, (_, i) => ({
    metadata: { name: `svc-${Math.floor(i / 20) + 1}-${i}`, namespace: `team-${(i % 25) + 1}` },
    timestamp: new Date(round * DEFAULT_HISTORY_INTERVAL_SECONDS * 1000).toISOString(),
    window: "15s",
    containers: [
      { name: "app", usage: { cpu: "12m", memory: `${200_000 + ((i * 7 + round * 13) % 50_000)}Ki` } },
      { name: "proxy", usage: { cpu: "2m", memory: `${40_000 + ((i * 3 + round) % 9_000)}Ki` } },
    ],
  }));
  return JSON.stringify({ kind: "PodMetricsList", apiVersion: "metrics.k8s.io/v1beta1", items });
}

/**
 * One sampling round: parse the metrics list, record every container's working set. A function of
 * its own on purpose: inlined in the loop, the last parsed list (10,000 pods, ~4 MiB) stayed
 * reachable from a stale interpreter register after the loop and was counted as history.
 */
function recordRound(history: MemoryHistory, text: string, uids: readonly string[], at: number): void {
  const readings = containerReadings(JSON.parse(text));
  // The sampler maps each reading to its pod's UID through the informer cache; here the pods come
  // in list order, CONTAINERS_PER_POD readings each.
  readings.forEach((r, i) => {
    history.record(containerKey(uids[Math.floor(i / CONTAINERS_PER_POD)]!, r.container), at, r.bytes);
  });
}

export function measureHistoryCost(containers: number): HistoryCost {
  const gc = collector();
  const pods = Math.ceil(containers / CONTAINERS_PER_POD);
  const uids = Array.from({ length: pods }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`);
  const rounds = Math.floor(DEFAULT_HISTORY_WINDOW_SECONDS / DEFAULT_HISTORY_INTERVAL_SECONDS) + 1;
  // The responses are prepared first: they are the API server's, not the history's, memory.
  const texts = [podMetricsText(pods, 0), podMetricsText(pods, 1)];

  gc();
  const before = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const history = new MemoryHistory();
  const cpu: number[] = [];
  const start = 1_800_000_000;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.cpuUsage();
    recordRound(history, texts[r % texts.length]!, uids, start + r * DEFAULT_HISTORY_INTERVAL_SECONDS);
    const used = process.cpuUsage(t0);
    cpu.push((used.user + used.system) / 1000);
  }
  gc();
  const after = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const accounted = history.memoryUsage().totalBytes;
  if (history.size !== pods * CONTAINERS_PER_POD) throw new Error(`history holds ${history.size} keys, expected ${pods * CONTAINERS_PER_POD}`);
  return {
    containers: history.size,
    samplesPerContainer: history.samples(containerKey(uids[0]!, "app")).length,
    heapMiB: (after - before) / MiB,
    accountedMiB: accounted / MiB,
    // The first rounds allocate the slots; steady state is what every later round costs.
    roundCpuMs: median(cpu.slice(Math.min(5, cpu.length - 1))),
    rounds,
  };
}
