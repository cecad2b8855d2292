/**
 * `npm run bench [-- --quick] [--only storm,forwarder,cold-start,queries]`:
 * runs the benchmarks one after another (they would skew each other in
 * parallel on 2 cores), prints the table and writes bench/results.json.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, Option } from "commander";
import { coldStartBench } from "./cold-start.ts";
import { forwarderBench } from "./forwarder.ts";
import { queriesBench } from "./queries.ts";
import { duplicateFigureIds, formatTable, machineInfo, type BenchResult, type BenchRun } from "./results.ts";
import { stormBench } from "./storm.ts";

const BENCHMARKS = {
  storm: stormBench,
  forwarder: forwarderBench,
  "cold-start": coldStartBench,
  queries: queriesBench,
} as const;
type BenchId = keyof typeof BENCHMARKS;
const IDS = Object.keys(BENCHMARKS) as BenchId[];

const DEFAULT_OUT = join(dirname(fileURLToPath(import.meta.url)), "results.json");

const program = new Command("bench")
  .description("oomwatch benchmarks: pipeline storm, forwarder at scale, Lambda cold start, queries")
  .option("--quick", "smaller sizes, under a minute in all", false)
  .addOption(new Option("--only <ids>", `comma-separated subset of ${IDS.join(", ")}`).argParser(parseIds))
  .option("--out <file>", "where to write the JSON results", DEFAULT_OUT)
  .option("--keep", "keep the scratch directory (emulator data, bundles)", false);

function parseIds(text: string): BenchId[] {
  const ids = text.split(",").map((s) => s.trim()).filter(Boolean);
  const unknown = ids.filter((id) => !(id in BENCHMARKS));
  if (unknown.length) throw new Error(`unknown benchmark ${unknown.join(", ")} (known: ${IDS.join(", ")})`);
  return ids as BenchId[];
}

async function main(): Promise<number> {
  program.parse();
  const opts = program.opts<{ quick: boolean; only?: BenchId[]; out: string; keep: boolean }>();
  const machine = machineInfo();
  const started = performance.now();
  const workDir = mkdtempSync(join(tmpdir(), "oomwatch-bench-"));
  const results: BenchResult[] = [];
  console.log(`oomwatch bench${opts.quick ? " --quick" : ""}: ${machine.cpus} CPUs (${machine.cpuModel}), node ${machine.node}, load ${machine.loadAverage1m}`);
  try {
    for (const id of opts.only ?? IDS) {
      process.stdout.write(`  ${id} ... `);
      const result = await BENCHMARKS[id]({ quick: opts.quick, workDir });
      results.push(result);
      console.log(result.error ? `failed after ${(result.durationMs / 1000).toFixed(1)} s` : `${(result.durationMs / 1000).toFixed(1)} s`);
    }
  } finally {
    if (!opts.keep) rmSync(workDir, { recursive: true, force: true });
  }
  const run: BenchRun = { quick: opts.quick, machine, results, durationMs: Math.round(performance.now() - started) };
  writeFileSync(resolve(opts.out), `${JSON.stringify(run, null, 2)}\n`);
  console.log(`\n${formatTable(results)}\n`);
  for (const r of results) if (r.error) console.error(`${r.id}: ${r.error}\n`);
  console.log(`${(run.durationMs / 1000).toFixed(1)} s in all; results in ${resolve(opts.out)}`);
  // An id names one figure across versions: two figures under one id would make comparisons lie.
  const duplicated = duplicateFigureIds(results);
  if (duplicated.length > 0) console.error(`figure ids used twice: ${duplicated.join(", ")}`);
  const failedChecks = results.some((r) => r.error || r.checks.some((c) => !c.ok));
  return failedChecks || duplicated.length > 0 ? 1 : 0;
}

// Emulators, child processes and sockets are all stopped by the benchmarks; exit explicitly
// anyway so a stray keep-alive handle cannot hold the command open.
main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(2);
  },
);
