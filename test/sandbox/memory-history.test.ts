/**
 * End to end for memory history: the forwarder's metrics sampler, the scenario's linear ramp
 * (`metrics: {..., over: 10m}`) and policy override (`policy: {earlyWarning}`), through the whole
 * pipeline. A leak warns (Level 0) and then OOMs (Level 1 with warnedAt, MEMORY_LEAK and a trace of
 * at least 10 samples); a spike OOMs without a warning (SUDDEN_SPIKE); a healthy container is silent.
 *
 * Needs the sampler (forwarder) and the scenario ramp/policy syntax (sandbox/k8s-sim), built on
 * other branches: this test fails until they are merged.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SandboxReportSchema } from "../../sandbox/report.ts";
import { runSandbox } from "../../sandbox/run.ts";
import type { Incident } from "../../shared/schema/incident.ts";

const SCENARIO = join(import.meta.dirname, "scenarios/memory-history.yaml");
const BIN = join(import.meta.dirname, "../../bin/oomwatch.js");
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function listIncidents(dataDir: string): Promise<Incident[]> {
  const { INCIDENTS_TABLE: _t, OOMWATCH_CLUSTER: _c, ...env } = process.env;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [BIN, "incidents", "list", "--data-dir", dataDir, "--cluster", "memory-history", "--since", "7d", "--format", "json"],
      { env, timeout: 60_000, encoding: "utf8" },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}: ${stderr}`)) : resolve(JSON.parse(stdout) as Incident[])),
    );
  });
}

describe("sandbox end to end: memory history", { timeout: 300_000 }, () => {
  it("a leak warns then OOMs, a spike OOMs unwarned, a healthy container stays silent", async () => {
    const dir = mkdtempSync(join(tmpdir(), "oomwatch-e2e-memory-"));
    dirs.push(dir);
    const dataDir = join(dir, "data");
    const reportPath = join(dir, "report.json");
    // --speed 20: the sampler interval is scaled with the scenario clock, so the incidents are the same as at 1x.
    const result = await runSandbox(
      { scenario: SCENARIO, dataDir, untilIdle: true, report: reportPath, speed: 20 },
      { out: { write: () => undefined, isTTY: false }, interrupted: new Promise(() => {}) },
    );
    const report = SandboxReportSchema.parse(JSON.parse(readFileSync(reportPath, "utf8")));
    expect(report.incidents).toEqual({ "0": 1, "1": 2, "2": 0, "3": 0 });
    expect(report.deadLetters).toEqual({ events: 0, analyze: 0, notify: 0 });
    expect(result.exitCode).toBe(0);

    const incidents = await listIncidents(dataDir);
    const of = (workload: string, level: number) => incidents.filter((i) => i.workload?.name === workload && i.level === level);

    const [warning] = of("leaky", 0);
    expect(warning).toMatchObject({ kind: "MemoryNearLimit", container: "app" });
    const [leak] = of("leaky", 1);
    expect(leak).toMatchObject({ kind: "ContainerOOM", warnedAt: warning!.warnedAt });
    expect(Date.parse(leak!.warnedAt!)).toBeLessThan(Date.parse(leak!.firstSeen));
    expect(leak!.diagnosis.causes).toContain("MEMORY_LEAK");
    expect(leak!.memoryTrace!.samples.length).toBeGreaterThanOrEqual(10);

    expect(of("spiky", 0)).toEqual([]);
    const [spike] = of("spiky", 1);
    expect(spike!.diagnosis.causes).toContain("SUDDEN_SPIKE");
    expect(spike!.warnedAt).toBeUndefined();

    expect(incidents.filter((i) => i.workload?.name === "steady")).toEqual([]);
  });
});
