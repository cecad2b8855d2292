/**
 * End to end: `oomwatch sandbox --until-idle --report` for the built-in demo and quiet
 * scenarios, through the real forwarder, simulator, emulators, runner and Slack sink.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SandboxReportSchema } from "../../sandbox/report.ts";
import { runSandbox } from "../../sandbox/run.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function run(scenario: string, extra: { replay?: string } = {}) {
  const dir = mkdtempSync(join(tmpdir(), `oomwatch-e2e-${scenario}-`));
  dirs.push(dir);
  const lines: string[] = [];
  const reportPath = join(dir, "report.json");
  const result = await runSandbox(
    { scenario, ...extra, dataDir: join(dir, "data"), untilIdle: true, report: reportPath, speed: 4 },
    { out: { write: (t) => void lines.push(t), isTTY: false }, interrupted: new Promise(() => {}) },
  );
  const report = SandboxReportSchema.parse(JSON.parse(readFileSync(reportPath, "utf8")));
  return { result, report, output: lines.join("") };
}

// Each run starts every part of the pipeline and plays a scenario: minutes, not seconds, on a busy 2-core machine.
describe("sandbox end to end", { timeout: 240_000 }, () => {
  it("demo: JVM OOMs escalate to Level 2, an eviction under pressure is Level 2, a node OOM is Level 3", async () => {
    const { result, report, output } = await run("demo");
    // Level 1: the leaking cart and the spiking search are OOMKilled once each (memory history, issue 12).
    expect(report.incidents).toMatchObject({ "1": 2, "2": 2, "3": 1 });
    // Level 0: the cart's warning, and the node warnings (memory history, issue 12).
    expect(report.incidents["0"]).toBeGreaterThanOrEqual(1);
    expect(report.deadLetters).toEqual({ events: 0, analyze: 0, notify: 0 });
    expect(report.observedByKind).toMatchObject({ ContainerOOM: 7, PodEviction: 1, NodeMemoryPressure: 1, NodeOOM: 1, NodeMemoryHigh: 2 });
    // The cart's leak is warned (critical, possibly a warning one round earlier); search and catalog never are.
    expect(report.observedByKind?.MemoryNearLimit).toBeGreaterThanOrEqual(1);
    expect(report.observedByKind?.MemoryNearLimit).toBeLessThanOrEqual(2);
    expect(report.forwarded).toBe(report.observed);
    // One parent per top-level incident (3) plus the Level 3 copy to the ops channel; repeats
    // are replies. The node-OOM victim is a reply in the node thread — unless its own OOM
    // happened to be analysed before the node OOM was known, when it keeps the parent it got.
    // Plus the parents of cart's and search's Level 1 incidents (6), plus at most one Level 0
    // heads-up per warned target (cart, node-b, node-c: how they group is the pipeline's choice).
    expect(report.slack.posted).toBeGreaterThanOrEqual(6);
    expect(report.slack.posted).toBeLessThanOrEqual(10);
    expect(report.slack.threadReplies).toBeGreaterThanOrEqual(1);
    expect(report.latencyMs.p50).toBeGreaterThan(0);
    expect(result.exitCode).toBe(0);
    // The secret literal in the scenario's env must never reach Slack or the terminal.
    expect(output).not.toContain("hunter2-Pr0d-ledger");
    expect(output).toContain("Escalated to Level 2");
    // Concise parents: every version of every parent fits one screen; the runbook is in the thread.
    expect(report.slack.longestParent).toBeGreaterThan(0);
    expect(report.slack.longestParent).toBeLessThanOrEqual(2000);
    expect(output).toContain("First steps");
    // Once the scenario is over the sandbox skips the quiet window: every top-level incident resolves.
    expect(report.resolved).toBeGreaterThanOrEqual(3);
    expect(output).toMatch(/resolved {2}L3 {2}Node OOM {2}\w+: Resolved after \d+ min, \d+ occurrences?/);
    // node-b's pressure (with its eviction) resolves: the scenario clears the pressure, and the
    // resolver holds node incidents open until the forwarder's cleared signal has been recorded.
    expect(output).toMatch(/resolved {2}L2 {2}(Pod eviction|Node memory pressure) {2}\w+: Resolved after \d+ min, \d+ occurrences?/);
  });

  it("quiet: a healthy cluster with look-alikes reports nothing", async () => {
    const { result, report } = await run("quiet");
    expect(report.observed).toBe(0);
    expect(report.forwarded).toBe(0);
    expect(report.incidents).toEqual({ "0": 0, "1": 0, "2": 0, "3": 0 });
    expect(report.slack).toEqual({ posted: 0, updated: 0, threadReplies: 0, longestParent: 0 });
    expect(report.deadLetters).toEqual({ events: 0, analyze: 0, notify: 0 });
    expect(result.exitCode).toBe(0);
  });

  it("replays a kubectl watch recording (concatenated pretty JSON) through the whole pipeline", async () => {
    const { result, report, output } = await run("replay", { replay: "sandbox/recordings/go-oom.watch.json" });
    // One Deployment's Go container OOM-killed twice: one Level 1 incident, diagnosed from GOMEMLIMIT.
    // A recording has no metrics API data: no memory samples, so no Level 0 warnings.
    expect(report.observedByKind).toEqual({ ContainerOOM: 2, PodEviction: 0, NodeMemoryPressure: 0, NodeOOM: 0, MemoryNearLimit: 0, NodeMemoryHigh: 0 });
    expect(report.incidents).toEqual({ "0": 0, "1": 1, "2": 0, "3": 0 });
    expect(report.slack.posted).toBe(1);
    expect(report.deadLetters).toEqual({ events: 0, analyze: 0, notify: 0 });
    expect(output).toContain("GOMEMLIMIT_ABOVE_LIMIT");
    expect(result.exitCode).toBe(0);
  });
});
