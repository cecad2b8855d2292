/**
 * The `memoryTrace` carried by occurrences and incidents: working-set bytes from metrics-server,
 * newest last, each sample with the metrics API's own timestamp (gaps stay visible as gaps).
 */
import * as z from "../schema/zod.ts";

export const MemorySampleSchema = z.tuple([z.number(), z.number().check(z.nonnegative())]);
/** [epochSeconds, bytes] */
export type MemorySample = z.infer<typeof MemorySampleSchema>;

export const MemoryTraceSchema = z.object({
  source: z.literal("metrics-server"),
  /** Typical spacing of the samples (seconds); after trimming, the width of a merged sample. */
  stepSeconds: z.number().check(z.positive()),
  /** [epochSeconds, bytes], oldest first, newest last. */
  samples: z.array(MemorySampleSchema),
  limitBytes: z.optional(z.number().check(z.positive())),
  requestBytes: z.optional(z.number().check(z.positive())),
});
export type MemoryTrace = z.infer<typeof MemoryTraceSchema>;

/** Serialized size in bytes (UTF-8 JSON), the unit message budgets are counted in. */
export function traceJsonBytes(trace: MemoryTrace): number {
  return Buffer.byteLength(JSON.stringify(trace));
}

/**
 * Merges `factor` consecutive samples into one, aligned from the newest end so the last sample
 * (the run-up to the kill) stays exact. A merged sample keeps the max bytes (the peak is what
 * sizing and shape need) and the newest timestamp of its group.
 */
export function downsampleByMax(samples: readonly MemorySample[], factor: number): MemorySample[] {
  if (factor <= 1) return samples.map(([t, b]) => [t, b]);
  const out: MemorySample[] = [];
  for (let end = samples.length; end > 0; end -= factor) {
    const start = Math.max(0, end - factor);
    let max = 0;
    for (let i = start; i < end; i++) max = Math.max(max, samples[i]![1]);
    out.push([samples[end - 1]![0], max]);
  }
  return out.reverse();
}

/** Fewest samples downsampling may leave before oldest samples are dropped instead (a shape needs ~10). */
export const TRIM_MIN_DOWNSAMPLED = 12;

/**
 * Fits a trace into `maxBytes` of JSON without ever failing: first merges samples (max per group,
 * so the peak survives) down to TRIM_MIN_DOWNSAMPLED, then drops the oldest, finally returns no
 * samples at all (limit and request still say something). Returns the input when it fits.
 */
export function trimTrace(trace: MemoryTrace, budgetBytes: number): MemoryTrace {
  const maxBytes = Number.isFinite(budgetBytes) && budgetBytes > 0 ? budgetBytes : 0; // a bad budget must not throw or pass everything
  if (traceJsonBytes(trace) <= maxBytes) return trace;
  const n = trace.samples.length;
  let factor = 2;
  while (Math.ceil(n / factor) >= TRIM_MIN_DOWNSAMPLED) {
    const candidate = { ...trace, stepSeconds: trace.stepSeconds * factor, samples: downsampleByMax(trace.samples, factor) };
    if (traceJsonBytes(candidate) <= maxBytes) return candidate;
    factor += 1;
  }
  // Still too big: keep the merged form with the fewest samples above the floor, then drop the oldest.
  factor = Math.max(1, Math.floor(n / TRIM_MIN_DOWNSAMPLED));
  let samples = downsampleByMax(trace.samples, factor);
  const base = { ...trace, stepSeconds: trace.stepSeconds * factor };
  const empty = { ...base, samples: [] as MemorySample[] };
  const envelope = traceJsonBytes(empty);
  if (envelope > maxBytes) return { ...empty, stepSeconds: trace.stepSeconds };
  // Each sample costs its JSON text plus a comma; drop from the oldest until the sum fits.
  let size = traceJsonBytes({ ...base, samples });
  let drop = 0;
  while (size > maxBytes && drop < samples.length) {
    size -= JSON.stringify(samples[drop]).length + 1;
    drop += 1;
  }
  samples = samples.slice(drop);
  // The comma arithmetic is off by one at the last sample; settle it exactly.
  while (samples.length > 0 && traceJsonBytes({ ...base, samples }) > maxBytes) samples = samples.slice(1);
  return { ...base, samples };
}
