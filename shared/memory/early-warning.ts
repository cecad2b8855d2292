/**
 * Level 0 early-warning rules over a memory trace: the reference guide's thresholds (container
 * working set >= 85 % of its limit for 5 min -> warning, >= 95 % for 2 min -> critical; node the same
 * against allocatable) plus a trend rule in the manner of Prometheus' predict_linear.
 *
 * "At or above P % for D" means: every sample of the newest unbroken run is at/above P % and that
 * run spans at least D (newest minus oldest sample of the run). A gap longer than `maxGapSeconds`
 * between two samples breaks the run: nobody saw what happened in between.
 */
import * as z from "../schema/zod.ts";
import { positiveOr as positive } from "../schema/zod.ts";
import { formatBytes } from "../quantity.ts";
import { formatDuration } from "./sparkline.ts";
import type { MemorySample, MemoryTrace } from "./trace.ts";

const thresholdRule = (percent: number, forSeconds: number) =>
  z.prefault(z.object({ percent: positive(percent), forSeconds: z._default(z.number().check(z.nonnegative()), forSeconds) }), {});

const targetRules = z.prefault(
  z.object({
    warning: thresholdRule(85, 300),
    critical: thresholdRule(95, 120),
  }),
  {},
);

export const EarlyWarningPolicySchema = z.object({
  enabled: z._default(z.boolean(), true),
  container: targetRules,
  node: targetRules,
  /** Longest spacing between two samples that still counts as "continuously above". */
  maxGapSeconds: positive(120),
  trend: z.prefault(
    z.object({
      enabled: z._default(z.boolean(), true),
      /** Least-squares fit over the samples of the last windowSeconds (predict_linear's range). */
      windowSeconds: positive(600),
      /** Warn when the fitted line reaches the limit within this many seconds. */
      horizonSeconds: positive(1800),
      /** Fewer samples than this in the window: no trend verdict (5 min at the 30 s interval). */
      minSamples: z._default(z.number().check(z.int(), z.gte(2)), 10),
      /** The line must explain this share of the variance, so GC sawtooth and noise do not warn. */
      minRSquared: z._default(z.number().check(z.gte(0), z.lte(1)), 0.5),
    }),
    {},
  ),
});
export type EarlyWarningPolicy = z.infer<typeof EarlyWarningPolicySchema>;
export type EarlyWarningPolicyInput = z.input<typeof EarlyWarningPolicySchema>;
export const DEFAULT_EARLY_WARNING_POLICY: EarlyWarningPolicy = EarlyWarningPolicySchema.parse({});

export type EarlyWarningTarget = "container" | "node";
export type EarlyWarningRuleId = `${EarlyWarningTarget}-${"critical" | "warning" | "trend"}`;

export interface EarlyWarning {
  ruleId: EarlyWarningRuleId;
  severity: "warning" | "critical";
  target: EarlyWarningTarget;
  /** Newest sample as % of the limit (container) or allocatable (node). */
  currentPercent: number;
  currentBytes: number;
  limitBytes: number;
  /** Time of the newest sample (epoch seconds). */
  atEpochSeconds: number;
  /** First sample time at which the rule held (for a threshold rule: run start + duration). */
  firingSinceEpochSeconds: number;
  /** Least-squares growth over the trend window, when there are enough samples. */
  slopeBytesPerSecond?: number;
  /** At that slope, seconds until the fitted line reaches the limit (0 when already there). */
  secondsToLimit?: number;
}

export interface Trend {
  slopeBytesPerSecond: number;
  /** Fitted value at the newest sample. */
  fittedBytes: number;
  rSquared: number;
  samples: number;
}

/** Ordinary least squares of bytes over time; undefined with fewer than 2 distinct times. */
export function linearFit(samples: readonly MemorySample[]): Trend | undefined {
  const n = samples.length;
  if (n < 2) return undefined;
  const t0 = samples[0]![0]; // centre-free but shifted: keeps the sums small and exact enough
  let st = 0;
  let sb = 0;
  for (const [t, b] of samples) {
    st += t - t0;
    sb += b;
  }
  const mt = st / n;
  const mb = sb / n;
  let stt = 0;
  let stb = 0;
  let sbb = 0;
  for (const [t, b] of samples) {
    const dt = t - t0 - mt;
    const db = b - mb;
    stt += dt * dt;
    stb += dt * db;
    sbb += db * db;
  }
  if (stt === 0) return undefined;
  const slope = stb / stt;
  const last = samples[n - 1]![0] - t0;
  const rSquared = sbb === 0 ? 0 : (stb * stb) / (stt * sbb);
  return { slopeBytesPerSecond: slope, fittedBytes: mb + slope * (last - mt), rSquared, samples: n };
}

/** `at or above` without float surprises: bytes * 100 >= percent * limit. */
const atOrAbove = (bytes: number, percent: number, limit: number) => bytes * 100 >= percent * limit;

/**
 * When the newest run at/above `percent` has lasted `forSeconds`, the first sample time at which it
 * had; otherwise undefined.
 */
export function heldSince(samples: readonly MemorySample[], percent: number, forSeconds: number, limit: number, maxGapSeconds: number): number | undefined {
  let start = samples.length;
  while (start > 0) {
    const cur = samples[start - 1]!;
    if (!atOrAbove(cur[1], percent, limit)) break;
    if (start < samples.length && samples[start]![0] - cur[0] > maxGapSeconds) break;
    start -= 1;
  }
  if (start === samples.length) return undefined;
  const runStart = samples[start]![0];
  for (let i = start; i < samples.length; i++) if (samples[i]![0] - runStart >= forSeconds) return samples[i]![0];
  return undefined;
}

/** Trend over the last `windowSeconds` of the trace. */
export function recentTrend(samples: readonly MemorySample[], windowSeconds: number): Trend | undefined {
  const newest = samples[samples.length - 1];
  if (!newest) return undefined;
  const recent = samples.filter(([t]) => t >= newest[0] - windowSeconds);
  return linearFit(recent);
}

/** Where memory stands now: the newest sample against the limit, and the trend when there are enough samples for one. */
export interface MemoryState {
  currentPercent: number;
  currentBytes: number;
  limitBytes: number;
  atEpochSeconds: number;
  /** The recent trend, only with at least `policy.trend.minSamples` samples. */
  trend?: Trend;
  /** Seconds to the limit at the trend's rate (0 when at or over it); only with a trend that reaches it. */
  secondsToLimit?: number;
}

/** The trace's current state (the trend maths the rules and the Level 0 heads-up share); undefined without a limit or samples. */
export function memoryState(trace: Pick<MemoryTrace, "samples" | "limitBytes">, policy: EarlyWarningPolicy = DEFAULT_EARLY_WARNING_POLICY): MemoryState | undefined {
  const limit = trace.limitBytes;
  const newest = trace.samples[trace.samples.length - 1];
  if (limit === undefined || !(limit > 0) || !newest) return undefined;
  const recent = recentTrend(trace.samples, policy.trend.windowSeconds);
  const trend = recent !== undefined && recent.samples >= policy.trend.minSamples ? recent : undefined;
  let secondsToLimit: number | undefined;
  if (trend) {
    if (trend.fittedBytes >= limit || newest[1] >= limit) secondsToLimit = 0;
    else if (trend.slopeBytesPerSecond > 0) secondsToLimit = (limit - trend.fittedBytes) / trend.slopeBytesPerSecond;
  }
  return {
    currentPercent: (newest[1] / limit) * 100,
    currentBytes: newest[1],
    limitBytes: limit,
    atEpochSeconds: newest[0],
    ...(trend ? { trend } : {}),
    ...(secondsToLimit !== undefined ? { secondsToLimit } : {}),
  };
}

/** An EarlyWarning of `target` from its state: `since` is when the rule started to hold. */
export function warningOf(target: EarlyWarningTarget, state: MemoryState, ruleId: EarlyWarningRuleId, severity: EarlyWarning["severity"], since: number): EarlyWarning {
  return {
    ruleId,
    severity,
    target,
    currentPercent: state.currentPercent,
    currentBytes: state.currentBytes,
    limitBytes: state.limitBytes,
    atEpochSeconds: state.atEpochSeconds,
    firingSinceEpochSeconds: since,
    ...(state.trend ? { slopeBytesPerSecond: state.trend.slopeBytesPerSecond } : {}),
    ...(state.secondsToLimit !== undefined ? { secondsToLimit: state.secondsToLimit } : {}),
  };
}

/**
 * Evaluates the Level 0 rules for one container (limit = its memory limit) or node (limit =
 * allocatable, pass it as the trace's limitBytes). Critical beats warning beats trend; undefined
 * when nothing fires, when there is no limit, or when the policy is disabled.
 */
export function evaluateEarlyWarning(
  target: EarlyWarningTarget,
  trace: Pick<MemoryTrace, "samples" | "limitBytes">,
  policy: EarlyWarningPolicy = DEFAULT_EARLY_WARNING_POLICY,
): EarlyWarning | undefined {
  const state = policy.enabled ? memoryState(trace, policy) : undefined;
  if (!state) return undefined;
  const { samples } = trace;
  const limit = state.limitBytes;
  const rules = policy[target];
  const critical = heldSince(samples, rules.critical.percent, rules.critical.forSeconds, limit, policy.maxGapSeconds);
  if (critical !== undefined) return warningOf(target, state, `${target}-critical`, "critical", critical);
  const warning = heldSince(samples, rules.warning.percent, rules.warning.forSeconds, limit, policy.maxGapSeconds);
  if (warning !== undefined) return warningOf(target, state, `${target}-warning`, "warning", warning);
  const { trend, secondsToLimit } = state;
  if (
    policy.trend.enabled &&
    trend &&
    trend.slopeBytesPerSecond > 0 &&
    trend.rSquared >= policy.trend.minRSquared &&
    secondsToLimit !== undefined &&
    secondsToLimit <= policy.trend.horizonSeconds
  ) {
    return warningOf(target, state, `${target}-trend`, "warning", state.atEpochSeconds);
  }
  return undefined;
}

/**
 * One line for the Slack heads-up, e.g. "working set 1.8Gi = 91% of the 2Gi limit, +12Mi/min,
 * limit in 16 min at this rate". Says "allocatable" for nodes; no trend part without enough samples.
 */
export function describeEarlyWarning(v: EarlyWarning): string {
  const of = v.target === "node" ? "allocatable" : "limit";
  const parts = [`working set ${formatBytes(v.currentBytes)} = ${Math.round(v.currentPercent)}% of the ${formatBytes(v.limitBytes)} ${of}`];
  const perMin = Math.round((v.slopeBytesPerSecond ?? 0) * 60);
  if (perMin !== 0) parts.push(perMin > 0 ? `+${formatBytes(perMin)}/min` : `-${formatBytes(-perMin)}/min`);
  if (v.secondsToLimit === 0) parts.push(`at the ${of}`);
  else if (v.secondsToLimit !== undefined && perMin > 0) parts.push(`${of} in ${formatDuration(v.secondsToLimit)} at this rate`);
  else if (v.slopeBytesPerSecond !== undefined && perMin <= 0) parts.push("not growing");
  return parts.join(", ");
}
