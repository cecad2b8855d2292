/**
 * PNG chart of a memory trace for the incident thread: working set (blue line), request (green,
 * dashed) and limit (red) lines, the OOM kill as a purple vertical line, Y axis in Mi/Gi, X axis in
 * minutes before the kill (or the newest sample). Pure JS (./png.ts + ./bitmap-font.ts).
 */
import { formatBytes } from "../quantity.ts";
import { drawText, GLYPH_HEIGHT, textWidth } from "./bitmap-font.ts";
import { Raster, type Rgb } from "./png.ts";
import type { MemoryTrace } from "./trace.ts";

export const CHART_COLORS = {
  background: [255, 255, 255],
  grid: [230, 230, 230],
  axis: [136, 136, 136],
  text: [51, 51, 51],
  workingSet: [31, 119, 180],
  request: [44, 160, 44],
  limit: [214, 39, 40],
  kill: [148, 103, 189],
} as const satisfies Record<string, Rgb>;

export interface ChartOptions {
  width?: number;
  height?: number;
  /** Time of the OOM kill (epoch seconds), marked with a vertical line. */
  killAtEpochSeconds?: number;
}

export interface ChartGeometry {
  width: number;
  height: number;
  plot: { left: number; top: number; right: number; bottom: number };
  /** Epoch seconds -> pixel column. */
  xOf(t: number): number;
  /** Bytes -> pixel row. */
  yOf(bytes: number): number;
  yTicks: number[];
  /** Tick times (epoch seconds) with their labels. */
  xTicks: { t: number; label: string }[];
}

const MiB = 2 ** 20;
const TEXT_SCALE = 2;
const Y_STEPS_MI = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072];
const X_STEPS_MIN = [1, 2, 5, 10, 15, 30, 60, 120, 240];

/** Pixel layout: where the plot sits and how values map onto it (exported so tests can probe pixels). */
export function chartGeometry(trace: Pick<MemoryTrace, "samples" | "limitBytes" | "requestBytes">, options: ChartOptions = {}): ChartGeometry {
  const width = options.width ?? 800;
  const height = options.height ?? 300;
  const lineH = GLYPH_HEIGHT * TEXT_SCALE;
  const plot = { left: textWidth("1.25Gi", TEXT_SCALE) + 14, top: lineH + 16, right: width - 16, bottom: height - lineH - 14 };

  const values = trace.samples.map(([, b]) => b);
  const top = Math.max(1, trace.limitBytes ?? 0, trace.requestBytes ?? 0, ...values) * 1.1;
  const stepMi = Y_STEPS_MI.find((s) => (top / MiB) / s <= 6) ?? Y_STEPS_MI[Y_STEPS_MI.length - 1]!;
  const step = stepMi * MiB;
  const yMax = Math.ceil(top / step) * step;
  const yTicks: number[] = [];
  for (let v = 0; v <= yMax; v += step) yTicks.push(v);

  const times = trace.samples.map(([t]) => t);
  const end = Math.max(options.killAtEpochSeconds ?? Number.NEGATIVE_INFINITY, ...(times.length ? times : [0]));
  let start = times.length ? Math.min(...times, options.killAtEpochSeconds ?? Number.POSITIVE_INFINITY) : end - 60;
  if (end - start < 60) start = end - 60;
  const spanMin = (end - start) / 60;
  const stepMin = X_STEPS_MIN.find((s) => spanMin / s <= 6) ?? X_STEPS_MIN[X_STEPS_MIN.length - 1]!;
  const xTicks: ChartGeometry["xTicks"] = [];
  for (let k = 0; end - k * stepMin * 60 >= start; k++) xTicks.push({ t: end - k * stepMin * 60, label: k === 0 ? "0 min" : `-${k * stepMin} min` });

  const xOf = (t: number) => Math.round(plot.left + ((t - start) / (end - start)) * (plot.right - plot.left));
  const yOf = (b: number) => Math.round(plot.bottom - (b / yMax) * (plot.bottom - plot.top));
  return { width, height, plot, xOf, yOf, yTicks, xTicks };
}

function line(r: Raster, x0: number, y0: number, x1: number, y1: number, color: Rgb, thickness = 2, dash?: [number, number]): void {
  const steps = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0), 1);
  const steep = Math.abs(y1 - y0) > Math.abs(x1 - x0);
  for (let i = 0; i <= steps; i++) {
    if (dash && i % (dash[0] + dash[1]) >= dash[0]) continue;
    const x = x0 + ((x1 - x0) * i) / steps;
    const y = y0 + ((y1 - y0) * i) / steps;
    for (let w = 0; w < thickness; w++) r.set(steep ? x + w : x, steep ? y : y + w, color);
  }
}

/** Renders the chart; returns PNG bytes. */
export function renderMemoryChart(trace: Pick<MemoryTrace, "samples" | "limitBytes" | "requestBytes" | "stepSeconds">, options: ChartOptions = {}): Buffer {
  const g = chartGeometry(trace, options);
  const r = new Raster(g.width, g.height, CHART_COLORS.background);
  const { plot } = g;
  const lineH = GLYPH_HEIGHT * TEXT_SCALE;

  for (const v of g.yTicks) {
    const y = g.yOf(v);
    line(r, plot.left, y, plot.right, y, CHART_COLORS.grid, 1);
    const label = v === 0 ? "0" : formatBytes(v);
    drawText(r, plot.left - 8 - textWidth(label, TEXT_SCALE), y - lineH / 2, label, CHART_COLORS.text, TEXT_SCALE);
  }
  for (const { t, label } of g.xTicks) {
    const x = g.xOf(t);
    line(r, x, plot.top, x, plot.bottom, CHART_COLORS.grid, 1);
    const w = textWidth(label, TEXT_SCALE);
    drawText(r, Math.min(g.width - w, Math.max(0, x - w / 2)), plot.bottom + 8, label, CHART_COLORS.text, TEXT_SCALE);
  }
  line(r, plot.left, plot.top, plot.left, plot.bottom, CHART_COLORS.axis, 1);
  line(r, plot.left, plot.bottom, plot.right, plot.bottom, CHART_COLORS.axis, 1);

  if (trace.requestBytes !== undefined) line(r, plot.left, g.yOf(trace.requestBytes), plot.right, g.yOf(trace.requestBytes), CHART_COLORS.request, 2, [8, 6]);
  if (trace.limitBytes !== undefined) line(r, plot.left, g.yOf(trace.limitBytes), plot.right, g.yOf(trace.limitBytes), CHART_COLORS.limit, 2);

  // Working set: a gap of more than 3 steps is left as a gap (no samples there, nothing to draw).
  const maxGap = 3 * trace.stepSeconds;
  const s = trace.samples;
  for (let i = 0; i < s.length; i++) {
    const [t, b] = s[i]!;
    if (i > 0 && t - s[i - 1]![0] <= maxGap) line(r, g.xOf(s[i - 1]![0]), g.yOf(s[i - 1]![1]), g.xOf(t), g.yOf(b), CHART_COLORS.workingSet, 2);
    else line(r, g.xOf(t), g.yOf(b), g.xOf(t), g.yOf(b), CHART_COLORS.workingSet, 2);
  }

  if (options.killAtEpochSeconds !== undefined) {
    const x = g.xOf(options.killAtEpochSeconds);
    line(r, x, plot.top, x, plot.bottom, CHART_COLORS.kill, 2);
  }

  // Legend above the plot.
  let lx = plot.left;
  const ly = 6;
  const legend: [string, Rgb][] = [["working set", CHART_COLORS.workingSet]];
  if (trace.requestBytes !== undefined) legend.push(["request", CHART_COLORS.request]);
  if (trace.limitBytes !== undefined) legend.push(["limit", CHART_COLORS.limit]);
  if (options.killAtEpochSeconds !== undefined) legend.push(["OOM kill", CHART_COLORS.kill]);
  for (const [label, color] of legend) {
    line(r, lx, ly + lineH / 2, lx + 18, ly + lineH / 2, color, 3);
    drawText(r, lx + 24, ly, label, CHART_COLORS.text, TEXT_SCALE);
    lx += 24 + textWidth(label, TEXT_SCALE) + 20;
  }
  return r.toPng();
}
