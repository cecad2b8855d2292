/**
 * Diagnosis: cause codes with the evidence behind each, and a one-line summary.
 * Every rule is a small function of the analysis context; docs/causes.md explains them.
 */
import { formatBytes } from "../quantity.ts";
import type { CauseCode } from "./causes.ts";
import { type AnalysisContext, clusterEvictionsText } from "./context.ts";
import { runtimeMemory } from "./memory-settings.ts";
import { SHAPE_MIN_SAMPLES } from "../memory/shape.ts";

export interface Cause {
  code: CauseCode;
  /** Readable evidence, e.g. "-Xmx900m is 88% of the 1Gi limit". */
  detail: string;
}

export interface Diagnosis {
  causes: CauseCode[];
  details: Cause[];
  summary: string;
}

const pct = (part: number, whole: number) => `${Math.round((part / whole) * 100)}%`;
/** JVM non-heap (metaspace, code cache, thread stacks, direct buffers) needs at least this share of the limit. */
const MIN_NON_HEAP_SHARE = 0.25;
const RATIO_MAX = 2;

type Rule = (ctx: AnalysisContext) => Cause | undefined;

const isPodKind = (ctx: AnalysisContext) => ctx.kind === "ContainerOOM" || ctx.kind === "PodEviction";

const noMemoryLimit: Rule = (ctx) => {
  const c = ctx.container;
  if (!isPodKind(ctx) || !c || c.limits.memory !== undefined) return undefined;
  return { code: "NO_MEMORY_LIMIT", detail: `container ${c.name} has no memory limit` };
};

const bestEffort: Rule = (ctx) =>
  isPodKind(ctx) && ctx.pod?.qosClass === "BestEffort"
    ? { code: "BESTEFFORT_QOS", detail: `pod ${ctx.pod.name} is BestEffort (no requests or limits): first to be evicted or OOM-killed` }
    : undefined;

const ratioHigh: Rule = (ctx) => {
  const c = ctx.container;
  const req = c?.requests.memory;
  const lim = c?.limits.memory;
  if (!isPodKind(ctx) || !c || !req || !lim || lim / req <= RATIO_MAX) return undefined;
  return {
    code: "LIMIT_REQUEST_RATIO_HIGH",
    detail: `memory limit ${formatBytes(lim)} is ${(lim / req).toFixed(1)}x the request ${formatBytes(req)} (keep it at most ${RATIO_MAX}x)`,
  };
};

const jvmHeap: Rule = (ctx) => {
  const lim = ctx.container?.limits.memory;
  if (ctx.kind !== "ContainerOOM" || !lim) return undefined;
  const rt = runtimeMemory(ctx.container);
  const maxHeapShare = 1 - MIN_NON_HEAP_SHARE;
  if (rt.jvmXmxBytes !== undefined && rt.jvmXmxBytes > lim * maxHeapShare) {
    return {
      code: "JVM_HEAP_TOO_LARGE",
      detail: `-Xmx ${formatBytes(rt.jvmXmxBytes)} is ${pct(rt.jvmXmxBytes, lim)} of the ${formatBytes(lim)} limit, leaving under 25% for non-heap memory`,
    };
  }
  if (rt.jvmXmxBytes === undefined && rt.jvmMaxRamPercentage !== undefined && rt.jvmMaxRamPercentage > maxHeapShare * 100) {
    return {
      code: "JVM_HEAP_TOO_LARGE",
      detail: `MaxRAMPercentage=${rt.jvmMaxRamPercentage} leaves under 25% of the ${formatBytes(lim)} limit for non-heap memory`,
    };
  }
  return undefined;
};

const nodeHeap: Rule = (ctx) => {
  const lim = ctx.container?.limits.memory;
  if (ctx.kind !== "ContainerOOM" || !lim) return undefined;
  const old = runtimeMemory(ctx.container).nodeMaxOldSpaceBytes;
  if (old === undefined || old < lim) return undefined;
  return { code: "NODE_HEAP_TOO_LARGE", detail: `--max-old-space-size ${formatBytes(old)} is at or above the ${formatBytes(lim)} limit` };
};

const goMemLimit: Rule = (ctx) => {
  const lim = ctx.container?.limits.memory;
  if (ctx.kind !== "ContainerOOM" || !lim) return undefined;
  const go = runtimeMemory(ctx.container).goMemLimitBytes;
  if (go === undefined || go < lim) return undefined;
  return { code: "GOMEMLIMIT_ABOVE_LIMIT", detail: `GOMEMLIMIT ${formatBytes(go)} is at or above the ${formatBytes(lim)} limit: the GC never runs hard enough` };
};

const usageAboveRequest: Rule = (ctx) => {
  if (ctx.kind !== "PodEviction") return undefined;
  const req = ctx.container?.requests.memory ?? 0;
  const usage = ctx.usageBytes;
  if (usage === undefined || usage <= req) return undefined;
  const over = req > 0 ? `${formatBytes(usage)}, ${pct(usage - req, req)} above its request of ${formatBytes(req)}` : `${formatBytes(usage)} with no request`;
  return { code: "USAGE_ABOVE_REQUEST", detail: `${ctx.container?.name ?? "the container"} was using ${over}: evicted first` };
};

const nodeOvercommitted: Rule = (ctx) => {
  const n = ctx.node;
  const limits = n?.podLimits.memory;
  const alloc = n?.allocatable.memory;
  if (!n || !limits || !alloc || limits <= alloc) return undefined;
  return {
    code: "NODE_OVERCOMMITTED",
    detail: `memory limits on ${n.name} add up to ${formatBytes(limits)}, ${pct(limits, alloc)} of allocatable ${formatBytes(alloc)}`,
  };
};

const frequentOom: Rule = (ctx) => {
  const f = ctx.policy.frequentOom;
  if (ctx.kind !== "ContainerOOM" || ctx.oomsInWindow === undefined || ctx.oomsInWindow <= f.count) return undefined;
  return { code: "FREQUENT_OOM", detail: `${ctx.oomsInWindow} OOM kills in ${f.windowMinutes} min` };
};

const massEviction: Rule = (ctx) => {
  const m = ctx.policy.massEviction;
  if (ctx.kind !== "PodEviction" || ctx.clusterEvictionsInWindow === undefined || ctx.clusterEvictionsInWindow <= m.count) return undefined;
  return { code: "MASS_EVICTION", detail: `${clusterEvictionsText(ctx)} memory evictions in the cluster in ${m.windowMinutes} min` };
};

const systemOomVictim: Rule = (ctx) => {
  if (ctx.kind === "ContainerOOM" && ctx.nodeOom) {
    return { code: "SYSTEM_OOM_VICTIM", detail: `killed while the node ran out of memory (node OOM incident ${ctx.nodeOom.incidentId})` };
  }
  if (ctx.kind === "NodeOOM" && ctx.victims && ctx.victims.length > 0) {
    return { code: "SYSTEM_OOM_VICTIM", detail: `${ctx.victims.length} container(s) killed: ${ctx.victims.map((v) => `${v.namespace}/${v.pod}`).join(", ")}` };
  }
  return undefined;
};

/** Lower priority than other pods on the node: the kubelet evicts by priority first. */
const priorityLow: Rule = (ctx) => {
  if (ctx.kind !== "PodEviction" || !ctx.node || !ctx.pod) return undefined;
  const own = ctx.pod.priority ?? 0;
  const others = ctx.node.topPods.filter((p) => !(p.name === ctx.pod?.name && p.namespace === ctx.pod?.namespace));
  const higher = others.filter((p) => (p.priority ?? 0) > own).length;
  if (higher === 0) return undefined;
  return { code: "PRIORITY_LOW", detail: `priority ${own} is below ${higher} other pod(s) on the node: evicted before them` };
};

/** MEMORY_LEAK / SUDDEN_SPIKE / STEADY_NEAR_LIMIT: the run-up in the memory trace (shared/memory/shape.ts). */
const traceShape: Rule = (ctx) => (ctx.shape?.cause ? { code: ctx.shape.cause, detail: ctx.shape.reason } : undefined);

const RULES: Rule[] = [
  systemOomVictim,
  traceShape,
  frequentOom,
  massEviction,
  jvmHeap,
  nodeHeap,
  goMemLimit,
  usageAboveRequest,
  noMemoryLimit,
  bestEffort,
  ratioHigh,
  priorityLow,
  nodeOvercommitted,
];

function what(ctx: AnalysisContext): string {
  const o = ctx.occurrence;
  const node = o.node ?? ctx.pod?.nodeName ?? ctx.node?.name ?? "unknown node";
  const podRef = ctx.pod ? `${ctx.pod.namespace}/${ctx.pod.name}` : o.pod ? `${o.namespace}/${o.pod.name}` : "a pod";
  switch (ctx.kind) {
    case "ContainerOOM": {
      const lim = ctx.container?.limits.memory;
      const times = ctx.occurrences > 1 ? ` ${ctx.occurrences} times` : "";
      const init = o.container?.type === "init" ? "init container" : "container";
      if (ctx.nodeOom) {
        // The kernel picked it because the node ran out of memory, not because it hit its own limit.
        return `${init} ${o.container?.name ?? "?"} of ${podRef} was killed by the node OOM on ${ctx.nodeOom.node ?? node} (node OOM incident ${ctx.nodeOom.incidentId})`;
      }
      return `${init} ${o.container?.name ?? "?"} of ${podRef} was OOM-killed${times}${lim ? ` at its ${formatBytes(lim)} limit` : ""}`;
    }
    case "PodEviction": {
      const n = ctx.evictedPods?.length ?? 1;
      return n > 1 ? `${n} pods evicted from ${node} under memory pressure` : `${podRef} evicted from ${node} under memory pressure`;
    }
    case "NodeMemoryPressure":
      return `node ${node} reports MemoryPressure`;
    case "NodeOOM": {
      const p = o.nodeOOM?.process ? ` (killed ${o.nodeOOM.process}${o.nodeOOM.pid !== undefined ? `, pid ${o.nodeOOM.pid}` : ""})` : "";
      return `node ${node} ran out of memory${p}`;
    }
    case "MemoryNearLimit":
      return `container ${o.container?.name ?? "?"} of ${podRef} is close to its memory limit`;
    case "NodeMemoryHigh":
      return `node ${node} is close to running out of allocatable memory`;
  }
}

export function diagnose(ctx: AnalysisContext): Diagnosis {
  const details = RULES.map((r) => r(ctx)).filter((c): c is Cause => c !== undefined);
  const head = what(ctx);
  // A victim's head already says it died in the node OOM: the summary adds the other evidence.
  const shown = ctx.kind === "ContainerOOM" && ctx.nodeOom ? details.filter((d) => d.code !== "SYSTEM_OOM_VICTIM") : details;
  const base = shown.length > 0 ? `${head}: ${shown.slice(0, 2).map((d) => d.detail).join("; ")}` : head;
  // A trace too short to read a shape from is said, so nobody takes "no leak" from silence.
  const shape = ctx.shape;
  const summary = shape && !shape.cause && shape.samples < SHAPE_MIN_SAMPLES ? `${base} (memory trace: ${shape.reason})` : base;
  return { causes: details.map((d) => d.code), details, summary };
}
