/** Synthetic memory curves with seeded noise for the memory tests. */
import type { MemorySample, MemoryTrace } from "../../shared/memory/trace.ts";

export const Mi = 2 ** 20;
export const Gi = 2 ** 30;
export const T0 = 1_800_000_000;

/** Deterministic PRNG (mulberry32) so a failing noise case fails every time. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` samples every `step` s from T0; `percentAt(i)` of `limit`, plus uniform noise of +-noisePercent. */
export function curve(n: number, percentAt: (i: number) => number, opts: { limit?: number; step?: number; noisePercent?: number; seed?: number } = {}): MemorySample[] {
  const limit = opts.limit ?? Gi;
  const step = opts.step ?? 30;
  const rnd = seeded(opts.seed ?? 1);
  const noise = opts.noisePercent ?? 0;
  return Array.from({ length: n }, (_, i) => {
    const p = percentAt(i) + (rnd() * 2 - 1) * noise;
    return [T0 + i * step, Math.max(0, Math.round((p / 100) * limit))] as MemorySample;
  });
}

/** `limitBytes: null` for a container without a limit (undefined would take the 1Gi default). */
export const trace = (samples: MemorySample[], limitBytes: number | null = Gi, requestBytes?: number): MemoryTrace => ({
  source: "metrics-server",
  stepSeconds: 30,
  samples,
  ...(limitBytes !== null ? { limitBytes } : {}),
  ...(requestBytes !== undefined ? { requestBytes } : {}),
});
