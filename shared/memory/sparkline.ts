/**
 * One-line sparkline of a trace for Slack, e.g. `▁▂▃▅▆▇█ 41% → 100% in 14 min`.
 * Bars are % of the limit on an absolute 0-100 % scale (a flat 50 % reads as half-height, not as
 * noise blown up to full height); more samples than bars are merged by max so a peak never vanishes.
 * Without a limit the bars scale to the trace's own peak and the text shows bytes.
 */
import { formatBytes } from "../quantity.ts";
import type { MemoryTrace } from "./trace.ts";

const BARS = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"] as const;
export const SPARKLINE_MAX_BARS = 24;

/** Bar for a fraction of the scale: eighths, 100 % and above is the full block. */
export function bar(fraction: number): string {
  const level = Math.min(BARS.length - 1, Math.max(0, Math.ceil(fraction * BARS.length) - 1));
  return BARS[level]!;
}

/** "45 s", "14 min", "2.5 h": for spans and times to the limit in messages. */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1).replace(/\.0$/, "")} h`;
}

/** The sparkline, or undefined without samples. */
export function sparkline(trace: Pick<MemoryTrace, "samples" | "limitBytes">, maxBars = SPARKLINE_MAX_BARS): string | undefined {
  const samples = trace.samples;
  if (samples.length === 0) return undefined;
  const values = samples.map(([, b]) => b);
  const peak = Math.max(...values);
  const scale = trace.limitBytes ?? (peak > 0 ? peak : 1);
  const bars = Math.min(maxBars, samples.length);
  const merged: number[] = [];
  for (let i = 0; i < bars; i++) {
    const from = Math.floor((i * values.length) / bars);
    const to = Math.floor(((i + 1) * values.length) / bars);
    let max = 0;
    for (let j = from; j < to; j++) max = Math.max(max, values[j]!);
    merged.push(max);
  }
  const line = merged.map((v) => bar(v / scale)).join("");
  const first = values[0]!;
  const last = values[values.length - 1]!;
  const span = samples[samples.length - 1]![0] - samples[0]![0];
  const label = (v: number) => (trace.limitBytes !== undefined ? `${Math.round((v / trace.limitBytes) * 100)}%` : formatBytes(v));
  return `${line} ${label(first)} → ${label(last)} in ${formatDuration(span)}`;
}
