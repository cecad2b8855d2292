/**
 * Diagnosis from the shape of a memory trace (documented in docs/causes.md with these thresholds):
 * - MEMORY_LEAK: sustained growth across the window: the medians of the first, middle and last third
 *   each rise by >= LEAK_MIN_STEP_PERCENT, the whole rise is >= LEAK_MIN_GROWTH_PERCENT and a straight
 *   line explains >= LEAK_MIN_R_SQUARED of the variance. Medians, so noise and a final spike do not count.
 * - STEADY_NEAR_LIMIT: flat near the limit (undersized): median >= STEADY_MIN_PERCENT of the limit and
 *   the p10..p90 spread <= STEADY_MAX_SPREAD_PERCENT.
 * - SUDDEN_SPIKE: everything before the last SPIKE_TAIL_SAMPLES samples stays below
 *   SPIKE_BODY_MAX_PERCENT of the limit, and then either a tail sample reaches SPIKE_PEAK_PERCENT or
 *   the container was OOM-killed (metrics-server, 15-60 s apart, misses a fast spike entirely).
 * Percentages are of the limit; a trace without a limit measures growth against its own peak and
 * cannot be "near the limit" or "below the limit".
 */
import { linearFit } from "./early-warning.ts";
import type { MemorySample, MemoryTrace } from "./trace.ts";

export const SHAPE_MIN_SAMPLES = 10;
export const LEAK_MIN_GROWTH_PERCENT = 10;
export const LEAK_MIN_STEP_PERCENT = 2;
export const LEAK_MIN_R_SQUARED = 0.6;
export const STEADY_MIN_PERCENT = 80;
export const STEADY_MAX_SPREAD_PERCENT = 10;
export const SPIKE_TAIL_SAMPLES = 2;
export const SPIKE_BODY_MAX_PERCENT = 70;
export const SPIKE_PEAK_PERCENT = 90;

export type ShapeCause = "MEMORY_LEAK" | "SUDDEN_SPIKE" | "STEADY_NEAR_LIMIT";

export interface ShapeDiagnosis {
  cause?: ShapeCause;
  /** One line for a human; with no cause, why not (e.g. "too few samples: 4 < 10"). */
  reason: string;
  samples: number;
  spanSeconds: number;
  /** Least-squares growth over the whole trace. */
  slopeBytesPerSecond?: number;
}

export interface ShapeOptions {
  /** The trace ends in an OOM kill of this container (a spike may then sit between two samples). */
  oomKilled?: boolean;
}

/** Nearest-rank percentile (p in 0..100) of unsorted values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

const pct = (bytes: number, ref: number) => (bytes / ref) * 100;
const fmtPct = (p: number) => `${Math.round(p)}%`;
const minutes = (s: number) => `${Math.round(s / 60)} min`;

export function diagnoseShape(trace: Pick<MemoryTrace, "samples" | "limitBytes">, options: ShapeOptions = {}): ShapeDiagnosis {
  const samples = trace.samples;
  const n = samples.length;
  const spanSeconds = n > 0 ? samples[n - 1]![0] - samples[0]![0] : 0;
  if (n < SHAPE_MIN_SAMPLES) return { reason: `too few samples: ${n} < ${SHAPE_MIN_SAMPLES}`, samples: n, spanSeconds };
  const fit = linearFit(samples);
  const base = { samples: n, spanSeconds, ...(fit ? { slopeBytesPerSecond: fit.slopeBytesPerSecond } : {}) };
  const limit = trace.limitBytes;
  const values = samples.map(([, b]) => b);
  const peak = Math.max(...values);
  const ref = limit ?? peak;
  const unit = limit !== undefined ? "of the limit" : "of its peak";

  // Leak: thirds by time, so gaps do not shift the comparison.
  const thirds = splitByTime(samples, 3).map((part) => percentile(part.map(([, b]) => b), 50));
  const [m1, m2, m3] = thirds as [number, number, number];
  if (
    fit &&
    thirds.every((m) => !Number.isNaN(m)) &&
    pct(m2 - m1, ref) >= LEAK_MIN_STEP_PERCENT &&
    pct(m3 - m2, ref) >= LEAK_MIN_STEP_PERCENT &&
    pct(m3 - m1, ref) >= LEAK_MIN_GROWTH_PERCENT &&
    fit.rSquared >= LEAK_MIN_R_SQUARED
  ) {
    const perMin = (fit.slopeBytesPerSecond * 60) / 2 ** 20;
    return {
      ...base,
      cause: "MEMORY_LEAK",
      reason: `working set grew steadily from ${fmtPct(pct(m1, ref))} to ${fmtPct(pct(m3, ref))} ${unit} (medians of the first and last third) over ${minutes(spanSeconds)}, ${perMin.toFixed(1)}Mi/min, R² ${fit.rSquared.toFixed(2)}`,
    };
  }

  if (limit !== undefined) {
    const median = percentile(values, 50);
    const spread = percentile(values, 90) - percentile(values, 10);
    if (pct(median, limit) >= STEADY_MIN_PERCENT && pct(spread, limit) <= STEADY_MAX_SPREAD_PERCENT) {
      return {
        ...base,
        cause: "STEADY_NEAR_LIMIT",
        reason: `working set flat at ${fmtPct(pct(median, limit))} of the limit (median; p10-p90 spread ${fmtPct(pct(spread, limit))}) over ${minutes(spanSeconds)}: the limit is too small for the normal load`,
      };
    }
    const body = values.slice(0, n - SPIKE_TAIL_SAMPLES);
    const tail = values.slice(n - SPIKE_TAIL_SAMPLES);
    const bodyMax = Math.max(...body);
    const tailMax = Math.max(...tail);
    if (pct(bodyMax, limit) < SPIKE_BODY_MAX_PERCENT && (options.oomKilled || pct(tailMax, limit) >= SPIKE_PEAK_PERCENT)) {
      const seen = pct(tailMax, limit) >= SPIKE_PEAK_PERCENT ? `then ${fmtPct(pct(tailMax, limit))} in the last ${SPIKE_TAIL_SAMPLES} samples` : "then OOM-killed between samples";
      return {
        ...base,
        cause: "SUDDEN_SPIKE",
        reason: `working set at most ${fmtPct(pct(bodyMax, limit))} of the limit for ${minutes(spanSeconds)}, ${seen}: a sudden spike, not growth`,
      };
    }
  }
  return { ...base, reason: `no leak, spike or steady-near-limit shape in ${n} samples over ${minutes(spanSeconds)}` };
}

/** Splits samples into `parts` equal time ranges (the last range includes the newest sample). */
function splitByTime(samples: readonly MemorySample[], parts: number): MemorySample[][] {
  const t0 = samples[0]![0];
  const span = samples[samples.length - 1]![0] - t0;
  const out: MemorySample[][] = Array.from({ length: parts }, () => []);
  for (const s of samples) {
    const i = span === 0 ? 0 : Math.min(parts - 1, Math.floor(((s[0] - t0) / span) * parts));
    out[i]!.push(s);
  }
  return out;
}
