/**
 * Limit/request recommendation from the memory trace (docs/memory-history.md has the comparison):
 * - KRR (simple strategy): peak x 1.15.
 * - VPA's OOM bump: max(limit + 100Mi, limit x 1.2).
 * Chosen rule: OOM-killed at the limit -> max(peak x 1.15, VPA bump), because a sampled peak
 * under-reads a kill (metrics-server misses the last seconds) and the bump guarantees a real step;
 * not killed -> peak x 1.15, never below the current limit. Rounded up to a multiple of 16Mi.
 * Request = p50 x 1.2 (steady usage x 1.2), raised so limit/request <= 2.
 * A leak is told that a higher limit only delays the next kill; a node OOM below the container's
 * own limit gets node-side advice instead of a higher limit.
 */
import { formatBytes } from "../quantity.ts";
import { percentile, type ShapeCause } from "./shape.ts";
import type { MemoryTrace } from "./trace.ts";

const MiB = 2 ** 20;
export const KRR_HEADROOM = 1.15;
export const VPA_OOM_MIN_BUMP_BYTES = 100 * MiB;
export const VPA_OOM_BUMP_RATIO = 1.2;
export const REQUEST_HEADROOM = 1.2;
export const MAX_LIMIT_OVER_REQUEST = 2;
/** Recommendations are given in whole multiples of this. */
export const ROUND_TO_BYTES = 16 * MiB;

export const LEAK_NOTE = "a higher limit only delays the next kill: find the leak";
export const LEAK_HUNT: Record<"jvm" | "go" | "node", string> = {
  jvm: "JVM: jcmd <pid> GC.heap_dump /tmp/heap.hprof (or start with -XX:+HeapDumpOnOutOfMemoryError -XX:HeapDumpPath=/tmp) and open it in Eclipse MAT",
  go: "Go: go tool pprof http://<pod>:<port>/debug/pprof/heap (import _ \"net/http/pprof\"), compare two profiles minutes apart",
  node: "Node.js: node --heapsnapshot-near-heap-limit=2 (or --inspect and take heap snapshots in Chrome DevTools), compare two snapshots",
};
export const NODE_SIDE_ADVICE = [
  "set the memory requests of the node's pods to their real usage (p95 x 1.2) so the scheduler stops overcommitting the node",
  "keep headroom for the system: systemReserved/kubeReserved memory 1-2Gi each",
  "let the kubelet evict before the kernel kills: evictionHard memory.available<500Mi, evictionSoft memory.available<1Gi with a 1m30s grace period",
];

export type KilledBy = "limit" | "node";
export type Runtime = "jvm" | "go" | "node" | "other";

export interface SizingInput {
  trace?: Pick<MemoryTrace, "samples" | "limitBytes" | "requestBytes">;
  /** Current settings when the trace does not carry them. */
  limitBytes?: number;
  requestBytes?: number;
  /** "limit": OOM-killed by its own cgroup limit; "node": killed by the node's (kernel) OOM killer. */
  killedBy?: KilledBy;
  shape?: ShapeCause;
  runtime?: Runtime;
}

export interface TraceStats {
  samples: number;
  spanSeconds: number;
  peakBytes: number;
  p50Bytes: number;
  p95Bytes: number;
  p99Bytes: number;
}

export interface SizingRecommendation {
  /** Proposed limit; absent when raising the limit is not the fix (node OOM) or nothing is known. */
  limitBytes?: number;
  requestBytes?: number;
  /** Which rule produced the limit. */
  rule: "oom-at-limit" | "peak" | "guess" | "node-side" | "none";
  stats?: TraceStats;
  /** The anchors compared (when they can be computed). */
  krrBytes?: number;
  vpaOomBumpBytes?: number;
  /** How each number was reached, in order; honest about guesses. */
  basis: string[];
  /** What else to do (leak hunting, node-side settings). */
  advice: string[];
}

export const roundUpClean = (bytes: number): number => Math.ceil(bytes / ROUND_TO_BYTES) * ROUND_TO_BYTES;
export const vpaOomBump = (limit: number): number => Math.max(limit + VPA_OOM_MIN_BUMP_BYTES, limit * VPA_OOM_BUMP_RATIO);
export const krr = (peak: number): number => peak * KRR_HEADROOM;

export function traceStats(trace: Pick<MemoryTrace, "samples"> | undefined): TraceStats | undefined {
  const samples = trace?.samples ?? [];
  if (samples.length === 0) return undefined;
  const values = samples.map(([, b]) => b);
  return {
    samples: samples.length,
    spanSeconds: samples[samples.length - 1]![0] - samples[0]![0],
    peakBytes: Math.max(...values),
    p50Bytes: percentile(values, 50),
    p95Bytes: percentile(values, 95),
    p99Bytes: percentile(values, 99),
  };
}

const minutes = (s: number) => `${Math.round(s / 60)} min`;

export function recommendSizing(input: SizingInput): SizingRecommendation {
  const limit = input.trace?.limitBytes ?? input.limitBytes;
  const request = input.trace?.requestBytes ?? input.requestBytes;
  const stats = traceStats(input.trace);
  const basis: string[] = [];
  const advice: string[] = [];
  if (stats) {
    basis.push(
      `peak ${formatBytes(stats.peakBytes)} of ${stats.samples} samples over ${minutes(stats.spanSeconds)} (p50 ${formatBytes(stats.p50Bytes)}, p95 ${formatBytes(stats.p95Bytes)}, p99 ${formatBytes(stats.p99Bytes)})`,
    );
  }
  if (input.shape === "MEMORY_LEAK") {
    advice.push(LEAK_NOTE);
    const runtimes = input.runtime && input.runtime !== "other" ? [input.runtime] : (["jvm", "go", "node"] as const);
    for (const r of runtimes) advice.push(LEAK_HUNT[r]);
  }

  // Killed by the node below its own limit (or with no limit): the container's limit was not the problem.
  if (input.killedBy === "node" && (limit === undefined || stats === undefined || stats.peakBytes < limit)) {
    basis.push(
      limit !== undefined
        ? `killed by the node's OOM killer below its own ${formatBytes(limit)} limit: a higher limit would not have saved it`
        : "killed by the node's OOM killer: the node ran out of memory",
    );
    advice.push(...NODE_SIDE_ADVICE);
    const req = stats ? roundUpClean(stats.p95Bytes * REQUEST_HEADROOM) : undefined;
    if (req !== undefined) basis.push(`request = p95 ${formatBytes(stats!.p95Bytes)} x ${REQUEST_HEADROOM} = ${formatBytes(req)}`);
    return { ...(req !== undefined ? { requestBytes: req } : {}), rule: "node-side", ...(stats ? { stats } : {}), basis, advice };
  }

  if (!stats) {
    if (input.killedBy === "limit" && limit !== undefined) {
      const bump = roundUpClean(vpaOomBump(limit));
      basis.push(`guess: no samples; VPA's OOM bump of the ${formatBytes(limit)} limit: max(limit + 100Mi, limit x 1.2) = ${formatBytes(bump)}`);
      return { limitBytes: bump, rule: "guess", vpaOomBumpBytes: vpaOomBump(limit), basis, advice };
    }
    basis.push("guess: no samples; measure first (kubectl top pod --containers) before sizing");
    return { rule: "none", basis, advice };
  }

  const krrBytes = krr(stats.peakBytes);
  let proposed: number;
  let rule: SizingRecommendation["rule"];
  let vpaBytes: number | undefined;
  if (input.killedBy === "limit" && limit !== undefined) {
    vpaBytes = vpaOomBump(limit);
    proposed = roundUpClean(Math.max(krrBytes, vpaBytes));
    rule = "oom-at-limit";
    basis.push(
      `OOM-killed at its ${formatBytes(limit)} limit: max(peak x ${KRR_HEADROOM} = ${formatBytes(krrBytes)} (KRR), max(limit + 100Mi, limit x ${VPA_OOM_BUMP_RATIO}) = ${formatBytes(vpaBytes)} (VPA OOM bump)) = ${formatBytes(proposed)}`,
    );
  } else {
    proposed = roundUpClean(krrBytes);
    rule = "peak";
    basis.push(`limit = peak x ${KRR_HEADROOM} = ${formatBytes(krrBytes)} (KRR), rounded up to ${formatBytes(proposed)}`);
    if (limit !== undefined && proposed < limit) {
      proposed = limit; // no evidence that the current limit is too generous within one window
      basis.push(`kept the current ${formatBytes(limit)} limit: one window of samples is no reason to shrink it`);
    }
  }
  let req = roundUpClean(stats.p50Bytes * REQUEST_HEADROOM);
  basis.push(`request = p50 ${formatBytes(stats.p50Bytes)} x ${REQUEST_HEADROOM} = ${formatBytes(req)}`);
  if (proposed / req > MAX_LIMIT_OVER_REQUEST) {
    req = roundUpClean(proposed / MAX_LIMIT_OVER_REQUEST);
    basis.push(`request raised to limit / ${MAX_LIMIT_OVER_REQUEST} = ${formatBytes(req)} to keep limits/requests <= ${MAX_LIMIT_OVER_REQUEST}`);
  }
  if (request !== undefined && req < request) req = request; // do not cut a request on one window either
  if (req > proposed) {
    // A flat trace gives p50 x 1.2 above peak x 1.15; a request above the limit is invalid.
    req = proposed;
    basis.push(`request capped at the limit ${formatBytes(proposed)}: a request cannot exceed its limit`);
  }
  if (input.shape === "MEMORY_LEAK" && limit !== undefined && stats.spanSeconds > 0) {
    const slope = (stats.peakBytes - (input.trace?.samples[0]?.[1] ?? stats.peakBytes)) / stats.spanSeconds;
    if (slope > 0) basis.push(`at the observed growth (${formatBytes(slope * 60)}/min) the new limit buys about ${minutes((proposed - limit) / slope)}`);
  }
  return { limitBytes: proposed, requestBytes: req, rule, stats, krrBytes, ...(vpaBytes !== undefined ? { vpaOomBumpBytes: vpaBytes } : {}), basis, advice };
}
