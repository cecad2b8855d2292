/**
 * Where the storm's CPU goes: the sandbox is one process (emulators, Lambda runner,
 * handlers, forwarder, Kubernetes simulator, Slack sink), so its CPU per occurrence
 * alone does not say what the pipeline's own code costs. An in-process V8 CPU profile
 * (node:inspector) attributes each sample's self time to the part whose file it ran in.
 */
import { Session } from "node:inspector/promises";

/** The parts CPU time is split into, in the order the figures list them. */
export const CPU_PARTS = [
  "emulators",
  "awsSdk",
  "zod",
  "pipeline",
  "forwarder",
  "kubernetesClient",
  "simulator",
  "sandbox",
  "nodeInternals",
  "gc",
  "otherModules",
] as const;
export type CpuPart = (typeof CPU_PARTS)[number];

/** What each part is, for the figure names. */
export const CPU_PART_NAMES: Record<CpuPart, string> = {
  emulators: "SQS and DynamoDB emulators (local-aws-sqs, dynalite, LevelDB)",
  awsSdk: "AWS SDK (@aws-sdk, @smithy) of every client",
  zod: "zod (schema validation)",
  pipeline: "pipeline code: functions/ and shared/",
  forwarder: "forwarder code",
  kubernetesClient: "@kubernetes/client-node (forwarder's watches)",
  simulator: "Kubernetes API simulator",
  sandbox: "sandbox harness (Lambda runner, Slack sink, EventBridge sink)",
  nodeInternals: "Node.js internals and native code (HTTP, JSON, timers)",
  gc: "garbage collection",
  otherModules: "other packages",
};

const EMULATOR_PACKAGES = /\/node_modules\/(dynalite|local-aws-sqs|aws-query-decoder|aws-md5-of-message-attributes|classic-level|level|memory-level|abstract-level|browser-level|level-[^/]+|lazy|lock|big\.js|buffer-crc32|async|once|module-error|maybe-combine-errors|napi-macros|node-gyp-build)\//;

/** The part a profile node's script URL belongs to ("" for V8's own entries like (program)). */
export function cpuPartOf(url: string, functionName = ""): CpuPart {
  if (functionName === "(garbage collector)") return "gc";
  if (!url) return "nodeInternals";
  if (url.startsWith("node:")) return "nodeInternals";
  if (EMULATOR_PACKAGES.test(url)) return "emulators";
  if (/\/node_modules\/(@aws-sdk|@smithy|@aws-crypto|@aws\/)/.test(url)) return "awsSdk";
  if (/\/node_modules\/zod\//.test(url)) return "zod";
  if (/\/node_modules\/@kubernetes\//.test(url)) return "kubernetesClient";
  if (url.includes("/node_modules/")) return "otherModules";
  if (/\/(functions|shared)\//.test(url)) return "pipeline";
  if (url.includes("/forwarder/")) return "forwarder";
  if (url.includes("/sandbox/k8s-sim/")) return "simulator";
  if (url.includes("/sandbox/")) return "sandbox";
  return "otherModules";
}

interface ProfileNode {
  id: number;
  callFrame: { url: string; functionName: string };
  hitCount?: number;
}

export interface CpuSplit {
  /** Sampled self time by part, in ms. */
  ms: Record<CpuPart, number>;
  totalMs: number;
}

/** Self time by part, from a V8 profile's samples and their time deltas. */
export function splitProfile(profile: { nodes: ProfileNode[]; samples?: number[]; timeDeltas?: number[] }): CpuSplit {
  const partOf = new Map(profile.nodes.map((n) => [n.id, cpuPartOf(n.callFrame.url, n.callFrame.functionName)]));
  const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === "(idle)").map((n) => n.id));
  const ms = Object.fromEntries(CPU_PARTS.map((p) => [p, 0])) as Record<CpuPart, number>;
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let totalMs = 0;
  // Each delta is the time before its sample: the sampled frame ran for it.
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i]!;
    if (idle.has(id)) continue;
    const dt = (deltas[i] ?? 0) / 1000;
    ms[partOf.get(id) ?? "otherModules"] += dt;
    totalMs += dt;
  }
  return { ms, totalMs };
}

/** Profiles this process from now until `stop()`. */
export async function startCpuProfile(samplingIntervalUs = 1000): Promise<{ stop(): Promise<CpuSplit> }> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: samplingIntervalUs });
  await session.post("Profiler.start");
  return {
    async stop() {
      const { profile } = await session.post("Profiler.stop");
      await session.post("Profiler.disable");
      session.disconnect();
      return splitProfile(profile as Parameters<typeof splitProfile>[0]);
    },
  };
}
