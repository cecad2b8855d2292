/**
 * Benchmark 2 — forwarder at scale: a simulated cluster of 10,000 pods on 200 nodes,
 * 100 OOM kills a second. The forwarder runs as it ships: the container image's esbuild
 * bundle (forwarder/build.ts) in its own `node` process with the image's node flags and env and the
 * Deployment's NODE_OPTIONS (forwarderLaunch), configured by env, sending to the local SQS emulator. Its RSS and CPU
 * are read from /proc; its counters from its own /metrics endpoint. A second run at half the
 * pods gives the RSS per cached pod (the slope), and the memory history is measured in-process
 * (bench/memory-history-cost.ts).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { once } from "node:events";
import { createServer } from "node:net";
import { join } from "node:path";
import { parse } from "yaml";
import { buildForwarder } from "../forwarder/build.ts";
import { startK8sSimulator } from "../sandbox/k8s-sim/server.ts";
import { createQueues, startLocalAws } from "../sandbox/local-aws.ts";
import { measureHistoryCost } from "./memory-history-cost.ts";
import { sampleProcess, type ProcessSample } from "./process-stats.ts";
import { measured, type BenchOptions, type BenchResult } from "./results.ts";
import { oomKillAtRate, populateCluster, type ClusterSize } from "./scale-cluster.ts";

const CLUSTER: ClusterSize = { pods: 10_000, nodes: 200, podsPerDeployment: 20, namespaces: 25 };
const RATE_PER_SECOND = 100;

/**
 * How the image and the Deployment start the forwarder: the image test (test/forwarder/image.test.ts)
 * and this benchmark start the bundle the same way, so both measure and check what ships.
 */
export interface ForwarderLaunch {
  /** node's own flags from the Dockerfile's ENTRYPOINT (between node and the bundle). */
  nodeArgs: string[];
  /** The Dockerfile's ENV, then the Deployment's literal env values that tune the process. */
  env: { NODE_OPTIONS: string; MALLOC_ARENA_MAX?: string; NODE_ENV?: string };
}

/** Env variables of the image or the Deployment that change the process itself (not the forwarder's settings). */
const PROCESS_ENV = ["NODE_OPTIONS", "MALLOC_ARENA_MAX", "NODE_ENV"] as const;

export function forwarderLaunch(): ForwarderLaunch {
  const dockerfile = readFileSync(new URL("../forwarder/deploy/Dockerfile", import.meta.url), "utf8");
  const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile);
  if (!entrypoint) throw new Error("forwarder/deploy/Dockerfile: no ENTRYPOINT [...] line");
  const argv = JSON.parse(entrypoint[1]!) as string[];
  const bundleAt = argv.findIndex((a) => a.endsWith(".mjs"));
  if (bundleAt < 1) throw new Error(`forwarder/deploy/Dockerfile: ENTRYPOINT ${entrypoint[1]} does not run node with a .mjs bundle`);
  const env: Record<string, string> = {};
  for (const m of dockerfile.matchAll(/^ENV (\w+)=(\S+)$/gm)) env[m[1]!] = m[2]!;
  const manifest = parse(readFileSync(new URL("../forwarder/deploy/deployment.yaml", import.meta.url), "utf8")) as {
    spec: { template: { spec: { containers: Array<{ env?: Array<{ name: string; value?: string }> }> } } };
  };
  for (const e of manifest.spec.template.spec.containers[0]?.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
  const picked = Object.fromEntries(PROCESS_ENV.filter((k) => env[k] !== undefined).map((k) => [k, env[k]!]));
  return { nodeArgs: argv.slice(1, bundleAt), env: { NODE_OPTIONS: "", ...picked } };
}

/** How the image and the Deployment start the forwarder, read from forwarder/deploy itself. */
const LAUNCH = forwarderLaunch();

/** A loopback port free at the time of asking (the forwarder takes its metrics port as a setting). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

/** `oomwatch_forwarder_sent_total` from the forwarder's /metrics (0 while it is not answering yet). */
async function sentTotal(port: number): Promise<number | undefined> {
  try {
    // Generous: on a loaded machine a busy forwarder answers late, and a late answer is not zero.
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
    const match = /^oomwatch_forwarder_sent_total (\d+)/m.exec(text);
    return match ? Number(match[1]) : 0;
  } catch {
    return undefined;
  }
}

async function ready(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (child.exitCode !== null) throw new Error(`forwarder exited (${child.exitCode}): ${stderr().slice(-500)}`);
    if (Date.now() > deadline) throw new Error(`forwarder: ${what} not reached within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface ForwarderRun {
  syncMs: number;
  atReady: ProcessSample;
  atEnd: ProcessSample;
  kills: number;
  sent: number;
}

/**
 * One forwarder process against a simulator of `size`: RSS once the initial lists are cached,
 * then (when `seconds` > 0) OOM kills at RATE_PER_SECOND and the process at the end.
 */
async function runForwarder(opts: BenchOptions, bundle: string, size: ClusterSize, seconds: number): Promise<ForwarderRun> {
  const aws = await startLocalAws();
  const sim = await startK8sSimulator({ historyLimit: 100_000 });
  let child: ChildProcess | undefined;
  try {
    const queues = await createQueues(aws.clients.sqs, "bench-forwarder");
    const pods = populateCluster(sim, size);
    const kubeconfig = join(opts.workDir, "forwarder-kubeconfig.yaml");
    sim.writeKubeconfig(kubeconfig);
    const port = await freePort();

    const started = Date.now();
    child = spawn(process.execPath, [...LAUNCH.nodeArgs, bundle], {
      stdio: ["ignore", "ignore", "pipe"],
      env: {
        PATH: process.env.PATH,
        ...LAUNCH.env,
        KUBECONFIG: kubeconfig,
        AWS_REGION: "us-east-1",
        AWS_ENDPOINT_URL_SQS: aws.endpoints.sqs,
        OOMWATCH_CLUSTER: "bench-forwarder",
        EVENTS_QUEUE_URL: queues.events.url,
        OOMWATCH_LEADER_ELECTION: "false",
        OOMWATCH_METRICS_PORT: String(port),
        LOG_LEVEL: "ERROR",
      },
    });
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    const pid = child.pid!;
    const proc = child;
    await until("ready (initial list synced)", 60_000, () => ready(port), proc, () => stderr);
    const syncMs = Date.now() - started;
    const atReady = sampleProcess(pid);
    if (seconds === 0) return { syncMs, atReady, atEnd: atReady, kills: 0, sent: 0 };

    const kills = await oomKillAtRate(sim, pods, RATE_PER_SECOND, seconds);
    await until("every kill sent", 60_000, async () => ((await sentTotal(port)) ?? 0) >= kills, proc, () => stderr).catch(() => {});
    const sent = await sentTotal(port);
    if (sent === undefined) throw new Error("forwarder /metrics did not answer after the storm");
    return { syncMs, atReady, atEnd: sampleProcess(pid), kills, sent };
  } finally {
    if (child && child.exitCode === null) {
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      const timer = setTimeout(() => child?.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    }
    await sim.stop();
    await aws.stop();
  }
}

export function forwarderBench(opts: BenchOptions): Promise<BenchResult> {
  const seconds = opts.quick ? 3 : 30;
  // The per-pod slope comes from a second, half-size cluster (same nodes, same shape).
  const full: ClusterSize = opts.quick ? { ...CLUSTER, pods: 2_000 } : CLUSTER;
  const half: ClusterSize = { ...full, pods: full.pods / 2 };
  const historyContainers = opts.quick ? 4_000 : 20_000;
  const params = { pods: full.pods, slopeFromPods: half.pods, nodes: full.nodes, occurrencesPerSecond: RATE_PER_SECOND, seconds, nodeOptions: [...LAUNCH.nodeArgs, LAUNCH.env.NODE_OPTIONS].join(" "), mallocArenaMax: LAUNCH.env.MALLOC_ARENA_MAX ?? "glibc default", historyContainers };

  return measured("forwarder", "Forwarder at scale", params, async (out) => {
    const bundle = join(opts.workDir, "forwarder.mjs");
    await buildForwarder(bundle);
    const small = await runForwarder(opts, bundle, half, 0);
    const big = await runForwarder(opts, bundle, full, seconds);
    const { atReady, atEnd, sent, kills } = big;
    const cpuMs = atEnd.cpuMs - atReady.cpuMs;
    const bytesPerPod = ((big.atReady.rssMiB - small.atReady.rssMiB) * 2 ** 20) / (full.pods - half.pods);

    out.figures.push(
      { id: "forwarder.peakRssMiB", name: "peak RSS", value: atEnd.peakRssMiB, unit: "MiB", target: { op: "<=", value: 100 }, note: `${full.pods} pods on ${full.nodes} nodes` },
      {
        id: "forwarder.bytesPerPod",
        name: "RSS per cached pod",
        value: bytesPerPod / 1024,
        unit: "KiB",
        target: { op: "<=", value: 4 },
        note: `slope of RSS after sync: ${small.atReady.rssMiB.toFixed(0)} MiB at ${half.pods} pods, ${big.atReady.rssMiB.toFixed(0)} MiB at ${full.pods}`,
      },
      {
        id: "forwarder.rssAnonMiB",
        name: "anonymous RSS at the end",
        value: atEnd.anonMiB,
        unit: "MiB",
        note: `RSS ${atEnd.rssMiB.toFixed(0)} MiB minus ${(atEnd.rssMiB - atEnd.anonMiB).toFixed(0)} MiB of file-backed pages (the node binary)`,
      },
      { id: "forwarder.rssAfterSyncMiB", name: "RSS after initial sync", value: atReady.rssMiB, unit: "MiB", note: `ready ${(big.syncMs / 1000).toFixed(1)} s after start` },
      { id: "forwarder.cpuPer1000OccurrencesMs", name: "CPU per 1,000 occurrences", value: (cpuMs / Math.max(1, sent)) * 1000, unit: "ms", note: `${sent} sent in ${seconds} s` },
      { id: "forwarder.rssGrowthMiB", name: "memory growth over the storm", value: atEnd.rssMiB - atReady.rssMiB, unit: "MiB", note: `RSS ${atReady.rssMiB.toFixed(0)} → ${atEnd.rssMiB.toFixed(0)} MiB` },
    );
    out.checks.push({ name: "every kill sent", ok: sent === kills, detail: `${kills} OOM kills, ${sent} sent to SQS` });

    const history = measureHistoryCost(historyContainers);
    out.figures.push(
      {
        id: "forwarder.sampler.historyMiB",
        name: "memory history held",
        value: history.heapMiB,
        unit: "MiB",
        target: { op: "<=", value: 12 },
        note: `${history.containers} containers × ${history.samplesPerContainer} samples (30 min at 30 s), heap after GC; class accounts ${history.accountedMiB.toFixed(1)} MiB`,
      },
      {
        id: "forwarder.sampler.roundCpuMs",
        name: "CPU per sampling round",
        value: history.roundCpuMs,
        unit: "ms",
        note: `parse a metrics list of ${history.containers} containers + record each; median of ${history.rounds - 5} steady rounds`,
      },
    );
  });
}
