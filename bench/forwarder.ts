/**
 * Benchmark 2 — forwarder at scale: a simulated cluster of 10,000 pods on 200 nodes,
 * 100 OOM kills a second. The forwarder runs as it ships: the container image's esbuild
 * bundle (forwarder/build.ts) in its own `node` process with the Deployment's
 * NODE_OPTIONS, configured by env, sending to the local SQS emulator. Its RSS and CPU
 * are read from /proc; its counters from its own /metrics endpoint.
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
import { sampleProcess, type ProcessSample } from "./process-stats.ts";
import { measured, type BenchOptions, type BenchResult } from "./results.ts";
import { oomKillAtRate, populateCluster, type ClusterSize } from "./scale-cluster.ts";

const CLUSTER: ClusterSize = { pods: 10_000, nodes: 200, podsPerDeployment: 20, namespaces: 25 };
const RATE_PER_SECOND = 100;
/** The heap setting forwarder/deploy/deployment.yaml gives the container, read from the manifest itself. */
const NODE_OPTIONS = deployedNodeOptions();

function deployedNodeOptions(): string {
  const manifest = parse(readFileSync(new URL("../forwarder/deploy/deployment.yaml", import.meta.url), "utf8")) as {
    spec: { template: { spec: { containers: Array<{ env?: Array<{ name: string; value?: string }> }> } } };
  };
  const env = manifest.spec.template.spec.containers[0]?.env ?? [];
  return env.find((e) => e.name === "NODE_OPTIONS")?.value ?? "";
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

/** `oomwatch_forwarder_sent_total` from the forwarder's /metrics (0 while it is not answering yet). */
async function sentTotal(port: number): Promise<number | undefined> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
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

export function forwarderBench(opts: BenchOptions): Promise<BenchResult> {
  const seconds = opts.quick ? 3 : 30;
  const params = { pods: CLUSTER.pods, nodes: CLUSTER.nodes, occurrencesPerSecond: RATE_PER_SECOND, seconds, nodeOptions: NODE_OPTIONS };

  return measured("forwarder", "Forwarder at scale", params, async (out) => {
    const bundle = join(opts.workDir, "forwarder.mjs");
    await buildForwarder(bundle);
    const aws = await startLocalAws();
    const sim = await startK8sSimulator({ historyLimit: 100_000 });
    let child: ChildProcess | undefined;
    try {
      const queues = await createQueues(aws.clients.sqs, "bench-forwarder");
      const pods = populateCluster(sim, CLUSTER);
      const kubeconfig = join(opts.workDir, "forwarder-kubeconfig.yaml");
      sim.writeKubeconfig(kubeconfig);
      const port = await freePort();

      const started = Date.now();
      child = spawn(process.execPath, [bundle], {
        stdio: ["ignore", "ignore", "pipe"],
        env: {
          PATH: process.env.PATH,
          NODE_OPTIONS,
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
      await until("ready (initial list synced)", 60_000, () => ready(port), child, () => stderr);
      const syncMs = Date.now() - started;
      const atReady = sampleProcess(pid);

      const kills = await oomKillAtRate(sim, pods, RATE_PER_SECOND, seconds);
      await until("every kill sent", 20_000, async () => ((await sentTotal(port)) ?? 0) >= kills, child, () => stderr).catch(() => {});
      const sent = (await sentTotal(port)) ?? 0;
      const atEnd: ProcessSample = sampleProcess(pid);
      const cpuMs = atEnd.cpuMs - atReady.cpuMs;

      out.figures.push(
        { id: "forwarder.peakRssMiB", name: "peak RSS", value: atEnd.peakRssMiB, unit: "MiB", target: { op: "<=", value: 100 }, note: `${CLUSTER.pods} pods on ${CLUSTER.nodes} nodes` },
        { id: "forwarder.rssAfterSyncMiB", name: "RSS after initial sync", value: atReady.rssMiB, unit: "MiB", note: `ready ${(syncMs / 1000).toFixed(1)} s after start` },
        { id: "forwarder.cpuMsPer1000Occurrences", name: "CPU per 1,000 occurrences", value: (cpuMs / Math.max(1, sent)) * 1000, unit: "ms", note: `${sent} sent in ${seconds} s` },
        { id: "forwarder.memoryGrowthMiB", name: "memory growth over the storm", value: atEnd.rssMiB - atReady.rssMiB, unit: "MiB", note: `RSS ${atReady.rssMiB.toFixed(0)} → ${atEnd.rssMiB.toFixed(0)} MiB` },
      );
      out.checks.push({ name: "every kill sent", ok: sent === kills, detail: `${kills} OOM kills, ${sent} sent to SQS` });
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
  });
}
