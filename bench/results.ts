/**
 * Benchmark results: figures with optional targets, the table printed on stdout
 * and the JSON written to bench/results.json. A missed target is stated with the
 * factor it is missed by, never hidden.
 */
import { cpus, loadavg, totalmem } from "node:os";

/** What every benchmark is given. */
export interface BenchOptions {
  quick: boolean;
  /** Scratch directory for emulator data and build output (removed after the run). */
  workDir: string;
}

export interface Target {
  /** `>=`: higher is better; `<=`: lower is better. */
  op: ">=" | "<=";
  value: number;
}

export interface Figure {
  /** Stable across versions, e.g. `storm.redeliveries`. */
  id?: string;
  name: string;
  value: number;
  unit: string;
  target?: Target;
  /** Short context shown next to the value (e.g. "3.1× bare node"). */
  note?: string;
}

/** A correctness check that is counted, not assumed (lost = 0, duplicated = 0, ...). */
export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface BenchResult {
  id: string;
  title: string;
  /** Parameters of this run (counts, durations), so figures can be compared across runs. */
  params: Record<string, number | string | boolean>;
  figures: Figure[];
  checks: Check[];
  durationMs: number;
  /** Set when the benchmark itself failed; figures may then be partial. */
  error?: string;
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
  /** 1-minute load average when the run started: other work on the machine skews every figure. */
  loadAverage1m: number;
  date: string;
}

export interface BenchRun {
  quick: boolean;
  machine: MachineInfo;
  results: BenchResult[];
  durationMs: number;
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    date: new Date().toISOString(),
  };
}

/** "ok", or how far off the target is as a factor ("missed: 3.2× too slow"). */
export function verdict(f: Figure): string {
  const t = f.target;
  if (!t) return "";
  const met = t.op === ">=" ? f.value >= t.value : f.value <= t.value;
  if (met) return "ok";
  if (t.op === ">=") return f.value <= 0 ? "missed (0)" : `missed: ${round(t.value / f.value)}× below`;
  return t.value <= 0 ? "missed" : `missed: ${round(f.value / t.value)}× over`;
}

export function targetMet(f: Figure): boolean | undefined {
  return f.target ? verdict(f) === "ok" : undefined;
}

function round(n: number): string {
  if (!Number.isFinite(n) || Number.isInteger(n)) return String(n);
  if (Math.abs(n) >= 100) return n.toFixed(0);
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(2).replace(/\.?0+$/, "");
}

export function formatValue(value: number, unit: string): string {
  return `${round(value)}${unit ? ` ${unit}` : ""}`;
}

function formatTarget(f: Figure): string {
  return f.target ? `${f.target.op} ${formatValue(f.target.value, f.unit)}` : "";
}

/** Markdown table (readable on a terminal and pasteable into the README). */
export function formatTable(results: readonly BenchResult[]): string {
  const rows: string[][] = [["benchmark", "figure", "value", "target", "result"]];
  for (const r of results) {
    if (r.error) rows.push([r.title, "error", r.error.split("\n")[0] ?? "", "", "failed"]);
    for (const f of r.figures) {
      rows.push([r.title, f.name, formatValue(f.value, f.unit) + (f.note ? ` (${f.note})` : ""), formatTarget(f), verdict(f)]);
    }
    for (const c of r.checks) rows.push([r.title, c.name, c.detail, "checked", c.ok ? "ok" : "FAILED"]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? "").length)));
  const line = (row: string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(rows[0]!), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.slice(1).map(line)].join("\n");
}

/** Runs one benchmark; a crash becomes a result with `error` so the other benchmarks still run. */
export async function measured(
  id: string,
  title: string,
  params: BenchResult["params"],
  run: (out: Pick<BenchResult, "figures" | "checks">) => Promise<void>,
): Promise<BenchResult> {
  const started = performance.now();
  const out: Pick<BenchResult, "figures" | "checks"> = { figures: [], checks: [] };
  try {
    await run(out);
    return { id, title, params, ...out, durationMs: Math.round(performance.now() - started) };
  } catch (err) {
    const error = err instanceof Error ? (err.stack ?? err.message) : String(err);
    return { id, title, params, ...out, durationMs: Math.round(performance.now() - started), error };
  }
}

/** Median of a sample (0 when empty). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
