/**
 * Sizing advice with numbers (docs/design.md "Sizing"):
 * requests = steady usage x 1.2; limits = max(peak x 1.2, requests x 1.5) for general apps,
 * = requests for critical ones (Guaranteed); limits/requests <= 2.
 * JVM heap 75% of the limit (MaxRAMPercentage=75), GOMEMLIMIT 90%, Node --max-old-space-size 75%.
 * Every number comes with a `basis` line so a human can check the math.
 */
import { formatBytes, roundUpToMi } from "../quantity.ts";
import type { Recommendation } from "../schema/incident.ts";
import type { AnalysisContext } from "./context.ts";
import type { CauseCode } from "./causes.ts";
import { runtimeMemory } from "./memory-settings.ts";

const MiB = 2 ** 20;
const HEADROOM = 1.2;
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

/** Container-level sizing (ContainerOOM, PodEviction). */
function containerRecommendation(ctx: AnalysisContext, causes: CauseCode[]): Recommendation | undefined {
  const c = ctx.container;
  if (!c) return undefined;
  const basis: string[] = [];
  const curReq = c.requests.memory;
  const curLim = c.limits.memory;
  const usage = ctx.usageBytes;
  const critical = isCriticalWorkload(ctx);

  // Peak: an OOM kill means the container reached its limit; an eviction shows the usage at that moment.
  const oomAtLimit = ctx.kind === "ContainerOOM" && curLim !== undefined;
  const peak = Math.max(oomAtLimit ? curLim : 0, usage ?? 0);
  if (peak === 0 && !curReq) {
    return {
      summary: `Measure ${c.name}'s memory (kubectl top pod --containers) and set requests and limits; no usage or limit is known yet`,
      container: c.name,
      current: {},
      proposed: {},
      settings: {},
      basis: ["no limit, request or usage seen: nothing to size from"],
    };
  }
  if (oomAtLimit) basis.push(`OOM-killed at its limit: peak >= ${formatBytes(curLim)}`);
  if (usage !== undefined) basis.push(`usage seen: ${formatBytes(usage)}`);

  // Steady usage: the live/eviction usage when known, else the current request (the owner's own estimate).
  const steady = ctx.kind === "ContainerOOM" ? Math.max(usage ?? 0, curReq ?? 0) || peak : (usage ?? curReq ?? peak);
  let request = roundUpToMi(steady * HEADROOM);
  basis.push(`request = steady usage ${formatBytes(steady)} x ${HEADROOM} = ${formatBytes(request)}`);
  let limit: number;
  if (critical) {
    limit = roundUpToMi(Math.max(request, peak * HEADROOM));
    request = limit;
    basis.push(`critical workload: limit = request = max(request, peak x ${HEADROOM}) = ${formatBytes(limit)} (Guaranteed)`);
  } else {
    limit = roundUpToMi(Math.max(peak * HEADROOM, request * LIMIT_OVER_REQUEST));
    basis.push(`limit = max(peak ${formatBytes(peak)} x ${HEADROOM}, request x ${LIMIT_OVER_REQUEST}) = ${formatBytes(limit)}`);
    if (limit / request > RATIO_MAX) {
      request = roundUpToMi(limit / RATIO_MAX);
      basis.push(`request raised to limit / ${RATIO_MAX} = ${formatBytes(request)} to keep limits/requests <= ${RATIO_MAX}`);
    }
  }
  if (curLim !== undefined && ctx.kind === "PodEviction" && limit < curLim) {
    limit = curLim; // eviction advice is about requests; never shrink a limit that did not fail
    basis.push(`limit kept at the current ${formatBytes(curLim)}`);
  }
  if (c.restartCount) basis.push(`restart count: ${c.restartCount}`);

  const settings = runtimeSettings(ctx, limit, basis);
  const resultingQos = request === limit && ctx.pod?.qosClass === "Guaranteed" ? "Guaranteed" : "Burstable";
  const runtimeFix = causes.some((x) => x === "JVM_HEAP_TOO_LARGE" || x === "NODE_HEAP_TOO_LARGE" || x === "GOMEMLIMIT_ABOVE_LIMIT");
  const head = `Set ${c.name} memory request ${formatBytes(request)} / limit ${formatBytes(limit)}`;
  const tail = Object.keys(settings).length > 0 ? `${runtimeFix ? " and fix" : " with"} ${Object.entries(settings)[0]!.join("=")}` : "";
  return {
    summary: `${head}${tail} (${resultingQos})`,
    container: c.name,
    current: { requestBytes: curReq, limitBytes: curLim },
    proposed: { requestBytes: request, limitBytes: limit },
    resultingQos,
    settings,
    basis,
  };
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
  if (ctx.kind === "ContainerOOM") return containerRecommendation(ctx, causes);
  if (ctx.kind === "PodEviction") {
    // Pod sizing for the evicted pod; the node advice only when the node itself is the problem.
    return containerRecommendation(ctx, causes) ?? nodeRecommendation(ctx);
  }
  return nodeRecommendation(ctx);
}
