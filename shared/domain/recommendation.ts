/**
 * Sizing advice with numbers (docs/design.md "Sizing"). The numbers come from the memory trace
 * (shared/memory/sizing.ts: peak x 1.15, at least VPA's OOM bump after a kill, request p50 x 1.2,
 * limits/requests <= 2); critical workloads get limit = request (Guaranteed).
 * JVM heap 75% of the limit (MaxRAMPercentage=75), GOMEMLIMIT 90%, Node --max-old-space-size 75%.
 * Every number comes with a `basis` line so a human can check the math.
 */
import { formatBytes, roundUpToMi } from "../quantity.ts";
import type { Recommendation } from "../schema/incident.ts";
import type { AnalysisContext } from "./context.ts";
import { isContainerKind } from "./classify.ts";
import type { CauseCode } from "./causes.ts";
import { runtimeMemory } from "./memory-settings.ts";
import { LEAK_NOTE, recommendSizing, roundUpClean, type Runtime, type SizingInput, type SizingRecommendation } from "../memory/sizing.ts";

const MiB = 2 ** 20;
const LIMIT_OVER_REQUEST = 1.5;
const RATIO_MAX = 2;

const mi = (bytes: number) => Math.floor(bytes / MiB);

function isCriticalWorkload(ctx: AnalysisContext): boolean {
  const pc = ctx.pod?.priorityClassName;
  return ctx.pod?.qosClass === "Guaranteed" || (pc !== undefined && ctx.policy.criticalPriorityClasses.includes(pc));
}

function runtimeSettings(ctx: AnalysisContext, limit: number, basis: string[]): Record<string, string> {
  const rt = runtimeMemory(ctx.container);
  switch (rt.runtime) {
    case "jvm":
      basis.push(`JVM heap = 75% of the ${formatBytes(limit)} limit = ${mi(limit * 0.75)}Mi, leaving 25% for metaspace, code cache, threads and direct buffers`);
      return jvmSettings(ctx.container?.memorySettings ?? {}, mi(limit * 0.75), basis);
    case "go":
      basis.push(`GOMEMLIMIT = 90% of the ${formatBytes(limit)} limit = ${mi(limit * 0.9)}MiB`);
      return { GOMEMLIMIT: `${mi(limit * 0.9)}MiB` };
    case "node":
      basis.push(`--max-old-space-size = 75% of the ${formatBytes(limit)} limit = ${mi(limit * 0.75)} (MiB)`);
      return { NODE_OPTIONS: `--max-old-space-size=${mi(limit * 0.75)}` };
    default:
      return {};
  }
}

/**
 * An explicit -Xmx wins over MaxRAMPercentage, so where the container sets one, the advice
 * is that same variable with the new -Xmx; otherwise container-aware percentage sizing.
 */
function jvmSettings(current: Record<string, string>, heapMi: number, basis: string[]): Record<string, string> {
  const explicit = Object.entries(current).find(([, v]) => /-Xmx\S+/.test(v));
  if (explicit) {
    const [name, value] = explicit;
    basis.push(`${name} sets -Xmx explicitly, which overrides MaxRAMPercentage: change it to -Xmx${heapMi}m`);
    return { [name]: value.replace(/-Xmx\S+/, `-Xmx${heapMi}m`) };
  }
  return { JAVA_TOOL_OPTIONS: "-XX:+UseContainerSupport -XX:MaxRAMPercentage=75" };
}

/**
 * The evidence sizing works from: the memory trace, or for an eviction the kubelet's usage figure
 * (one real sample at the eviction). Never a limit or a request: those are settings, not usage.
 */
function evidence(ctx: AnalysisContext): SizingInput["trace"] {
  const c = ctx.container;
  const trace = ctx.trace;
  const limitBytes = trace?.limitBytes ?? c?.limits.memory;
  const requestBytes = trace?.requestBytes ?? c?.requests.memory;
  const settings = { ...(limitBytes !== undefined ? { limitBytes } : {}), ...(requestBytes !== undefined ? { requestBytes } : {}) };
  if (trace && trace.samples.length > 0) return { ...trace, ...settings };
  if (ctx.kind === "PodEviction" && ctx.usageBytes) {
    return { samples: [[Math.floor(Date.parse(ctx.occurrence.occurredAt) / 1000), ctx.usageBytes]], ...settings };
  }
  return { samples: [], ...settings };
}

const sizingRuntime = (ctx: AnalysisContext): Runtime => runtimeMemory(ctx.container).runtime ?? "other";

/**
 * Container-level sizing (ContainerOOM, PodEviction, MemoryNearLimit) from shared/memory/sizing.ts,
 * plus what only the pod knows: critical workloads get limit = request (Guaranteed), and the
 * runtime's own memory setting follows the proposed limit.
 */
function containerRecommendation(ctx: AnalysisContext, causes: CauseCode[]): Recommendation | undefined {
  const c = ctx.container;
  if (!c) return undefined;
  const curReq = c.requests.memory;
  const curLim = c.limits.memory;
  const killedBy = ctx.kind !== "ContainerOOM" ? undefined : ctx.nodeOom ? "node" : "limit";
  const sizing = recommendSizing({ trace: evidence(ctx), killedBy, shape: ctx.shape?.cause, runtime: sizingRuntime(ctx) });
  const basis = [...sizing.basis];
  if (ctx.kind === "PodEviction" && ctx.usageBytes !== undefined && !ctx.trace?.samples.length) basis.unshift(`usage seen: ${formatBytes(ctx.usageBytes)} (eviction message)`);
  let limit = sizing.limitBytes;
  let request = sizing.requestBytes;
  if (sizing.rule === "none" && curLim === undefined && curReq !== undefined) {
    // No samples and no limit: the reference floor, said to be a guess (a request is an estimate, not usage).
    limit = roundUpToMi(curReq * LIMIT_OVER_REQUEST);
    basis.push(`guess: limit = request ${formatBytes(curReq)} x ${LIMIT_OVER_REQUEST} = ${formatBytes(limit)}; measure the real peak`);
  }
  if (limit !== undefined && request === undefined && curReq !== undefined) {
    request = curReq;
    if (limit / request > RATIO_MAX) {
      request = roundUpClean(limit / RATIO_MAX);
      basis.push(`request raised to limit / ${RATIO_MAX} = ${formatBytes(request)} to keep limits/requests <= ${RATIO_MAX}`);
    }
  }
  if (limit !== undefined && isCriticalWorkload(ctx)) {
    limit = Math.max(limit, request ?? 0);
    request = limit;
    basis.push(`critical workload: request = limit = ${formatBytes(limit)} (Guaranteed)`);
  }
  if (c.restartCount) basis.push(`restart count: ${c.restartCount}`);

  const settingsLimit = limit ?? curLim;
  const settings = settingsLimit !== undefined ? runtimeSettings(ctx, settingsLimit, basis) : {};
  const resultingQos = limit !== undefined && request === limit && isCriticalWorkload(ctx) ? "Guaranteed" : "Burstable";
  return {
    summary: summaryOf(c.name, sizing, limit, request, settings, causes, resultingQos),
    container: c.name,
    current: { requestBytes: curReq, limitBytes: curLim },
    proposed: { ...(request !== undefined ? { requestBytes: request } : {}), ...(limit !== undefined ? { limitBytes: limit } : {}) },
    ...(limit !== undefined ? { resultingQos } : {}),
    settings,
    basis: [...basis, ...sizing.advice],
  };
}

function summaryOf(
  name: string,
  sizing: SizingRecommendation,
  limit: number | undefined,
  request: number | undefined,
  settings: Record<string, string>,
  causes: CauseCode[],
  qos: string,
): string {
  const runtimeFix = causes.some((x) => x === "JVM_HEAP_TOO_LARGE" || x === "NODE_HEAP_TOO_LARGE" || x === "GOMEMLIMIT_ABOVE_LIMIT");
  const first = Object.entries(settings)[0];
  const tail = first ? `${runtimeFix ? " and fix" : " with"} ${first.join("=")}` : "";
  if (sizing.rule === "node-side") {
    const req = request !== undefined ? `; set its request to ${formatBytes(request)}` : "";
    return `Do not raise ${name}'s limit: the node ran out of memory first. Fix the node side (requests at real usage, systemReserved/kubeReserved, kubelet eviction thresholds)${req}`;
  }
  if (limit === undefined) return `Measure ${name}'s memory (kubectl top pod --containers) and set requests and limits; no samples of its usage yet`;
  const head = `Set ${name} memory ${request !== undefined ? `request ${formatBytes(request)} / ` : ""}limit ${formatBytes(limit)}${tail} (${qos})`;
  const guess = sizing.rule === "guess" || sizing.rule === "none" ? " (a guess: no memory samples)" : "";
  return sizing.advice.includes(LEAK_NOTE) ? `${head}${guess}; ${LEAK_NOTE}` : `${head}${guess}`;
}

/** Node-level advice: reserve memory for the system and stop overcommitting. */
function nodeRecommendation(ctx: AnalysisContext): Recommendation {
  const n = ctx.node;
  const basis: string[] = [];
  const parts: string[] = [];
  const limits = n?.podLimits.memory;
  const alloc = n?.allocatable.memory;
  if (limits && alloc && limits > alloc) {
    basis.push(`pod memory limits ${formatBytes(limits)} exceed allocatable ${formatBytes(alloc)} by ${formatBytes(limits - alloc)}`);
    parts.push(`cut ${formatBytes(roundUpToMi(limits - alloc))} of memory limits on ${n?.name} or add capacity`);
  }
  if (ctx.kind === "NodeOOM") parts.unshift(`cordon and drain ${ctx.occurrence.node ?? n?.name ?? "the node"}`);
  parts.push("reserve systemReserved/kubeReserved memory (1-2Gi each) with evictionHard memory.available=500Mi and evictionSoft 1Gi/1m30s");
  basis.push("kubelet template from the runbook: systemReserved 1Gi, kubeReserved 1Gi, evictionHard 500Mi, evictionSoft 1Gi grace 1m30s");
  return {
    summary: parts.join("; "),
    current: {},
    proposed: {},
    settings: { "kubelet evictionHard": "memory.available<500Mi", "kubelet evictionSoft": "memory.available<1Gi (grace 1m30s)", systemReserved: "memory=1Gi", kubeReserved: "memory=1Gi" },
    basis,
  };
}

export function recommend(ctx: AnalysisContext, causes: CauseCode[]): Recommendation | undefined {
  if (isContainerKind(ctx.kind)) return containerRecommendation(ctx, causes);
  if (ctx.kind === "PodEviction") {
    // Pod sizing for the evicted pod; the node advice only when the node itself is the problem.
    return containerRecommendation(ctx, causes) ?? nodeRecommendation(ctx);
  }
  return nodeRecommendation(ctx);
}
