/**
 * End to end: `oomwatch sandbox --until-idle --report` for the built-in demo and quiet
 * scenarios, through the real forwarder, simulator, emulators, runner and Slack sink.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { formatIncident } from "../../cli/incidents/format-show.ts";
import { openIncidentStore } from "../../cli/incidents/store.ts";
import { SandboxReportSchema } from "../../sandbox/report.ts";
import { runSandbox } from "../../sandbox/run.ts";
import type { Incident } from "../../shared/schema/incident.ts";
import { iterateIncidents } from "../../shared/storage/queries.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Plays the scenario `name`, or with `replay` the recording (named `name` in the temp dir). */
async function run(name: string, extra: { replay?: string; verbose?: boolean } = {}) {
  const dir = mkdtempSync(join(tmpdir(), `oomwatch-e2e-${name}-`));
  dirs.push(dir);
  const lines: string[] = [];
  const reportPath = join(dir, "report.json");
  const result = await runSandbox(
    { ...(extra.replay ? {} : { scenario: name }), ...extra, dataDir: join(dir, "data"), untilIdle: true, report: reportPath, speed: 4 },
    { out: { write: (t) => void lines.push(t), isTTY: false }, interrupted: new Promise(() => {}) },
  );
  const report = SandboxReportSchema.parse(JSON.parse(readFileSync(reportPath, "utf8")));
  return { result, report, output: lines.join(""), dataDir: join(dir, "data") };
}

/** The incidents a finished run left in its data dir. */
async function storedIncidents(dataDir: string, cluster: string): Promise<Incident[]> {
  const store = await openIncidentStore({ dataDir }, {}, dataDir);
  try {
    const out: Incident[] = [];
    for await (const i of iterateIncidents(store.doc, store.table, { cluster })) out.push(i);
    return out;
  } finally {
    await store.close();
  }
}

// Each run starts every part of the pipeline and plays a scenario: minutes, not seconds, on a busy 2-core machine.
describe("sandbox end to end", { timeout: 240_000 }, () => {
  it("demo: JVM OOMs escalate to Level 2, an eviction under pressure is Level 2, a node OOM is Level 3", async () => {
    const { result, report, output, dataDir } = await run("demo");
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
    // Concise parents: every version of every parent fits one screen; the runbook is in the thread.
    expect(report.slack.longestParent).toBeGreaterThan(0);
    expect(report.slack.longestParent).toBeLessThanOrEqual(2000);
    // Once the scenario is over the sandbox skips the quiet window: every top-level incident resolves.
    expect(report.resolved).toBeGreaterThanOrEqual(3);
    expect(output).toMatch(/resolved {2}L3 {2}Node OOM {2}\w+: Resolved after \d+ min, \d+ occurrences?/);
    // The demo captures logs (forwarder.captureLogs): ledger-api's OOM record carries the killed
    // container's log tail, its database password redacted, shown by `incidents show` and in the thread.
    const ledger = (await storedIncidents(dataDir, "demo")).find((i) => i.kind === "ContainerOOM" && i.workload?.name === "ledger-api");
    const tail = ledger?.snapshot.pod?.logTail ?? [];
    expect(tail.at(-1)).toContain("G1 Humongous Allocation");
    expect(tail.join("\n")).toContain("password=[REDACTED]");
    expect(JSON.stringify(ledger)).not.toContain("hunter2");
    expect(formatIncident(ledger!)).toMatch(/Log tail \(previous container, redacted\)\n.*Started LedgerApplication/);
    // The thread shows it (what the sink stored; the terminal shows one line per message).
    const workspace = readFileSync(join(dataDir, "slack-workspace.json"), "utf8");
    expect(workspace).toContain("Last log lines of the killed container");
    expect(workspace).not.toContain("hunter2");
    expect(output).not.toContain("hunter2");

    expect(report.expectations).toEqual({ met: true, failures: [] });
    expect(Object.fromEntries(Object.entries(report.incidentIds).map(([level, ids]) => [level, ids.length]))).toEqual(report.incidents);

    // The compact display: one line per Slack post, update and reply, with level and channel.
    const lines = output.split("\n");
    const slackLines = (verb: string) => lines.filter((l) => new RegExp(`^${verb} +L[0-3?] {2}#[\\w-]+ {2}`).test(l));
    expect(slackLines("post")).toHaveLength(report.slack.posted);
    expect(slackLines("reply")).toHaveLength(report.slack.threadReplies);
    expect(slackLines("update")).toHaveLength(report.slack.updated);
    expect(slackLines("post").some((l) => /^post +L2 {2}#oom-alerts {2}/.test(l))).toBe(true);
    expect(slackLines("reply").every((l) => l.includes("↳ reply in thread of "))).toBe(true);
    expect(slackLines("reply").some((l) => l.includes("Escalated to Level 2"))).toBe(true);
    // The full runbook is the first reply in the thread of every paging parent (Levels 1-3; Level 0 heads-ups have none).
    expect(slackLines("reply").filter((l) => /Runbook for Level [1-3] /.test(l)).length).toBeGreaterThanOrEqual(report.incidents["1"] + report.incidents["2"] + report.incidents["3"] - 1);
    expect(slackLines("update").some((l) => / {2}\(edit \d+\) {2}/.test(l))).toBe(true);
    // node-b's pressure ends in the scenario.
    expect(lines).toContainEqual(expect.stringMatching(/^pressure {2}node-b {2}MemoryPressure cleared/));
    // No whole message bodies without --verbose: no rendered message header, no indented body lines.
    expect(lines.filter((l) => /^#[\w-]+ (thread \S+ )?@ \d+\.\d+/.test(l) || l.startsWith("  == "))).toEqual([]);
    expect(output).not.toContain("First steps");
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

  it("replays a kubectl watch recording (concatenated pretty JSON) through the whole pipeline; --verbose prints whole messages", async () => {
    const { result, report, output } = await run("replay", { replay: "sandbox/recordings/go-oom.watch.json", verbose: true });
    // One Deployment's Go container OOM-killed twice: one Level 1 incident, diagnosed from GOMEMLIMIT.
    // A recording has no metrics API data: no memory samples, so no Level 0 warnings.
    expect(report.observedByKind).toEqual({ ContainerOOM: 2, PodEviction: 0, NodeMemoryPressure: 0, NodeOOM: 0, MemoryNearLimit: 0, NodeMemoryHigh: 0 });
    expect(report.incidents).toEqual({ "0": 0, "1": 1, "2": 0, "3": 0 });
    expect(report.slack.posted).toBe(1);
    expect(report.deadLetters).toEqual({ events: 0, analyze: 0, notify: 0 });
    // Whole messages (--verbose): the rendered parent with its header line and body, and its edit.
    expect(output).toContain("GOMEMLIMIT_ABOVE_LIMIT");
    expect(output).toMatch(/^#oom-alerts @ \d+\.\d+\n {2}\S/m);
    expect(output).toMatch(/^#oom-alerts @ \d+\.\d+ \(edited \d+x\)$/m);
    expect(output).toMatch(/^#oom-alerts thread \d+\.\d+ @ \d+\.\d+$/m);
    expect(report.expectations).toEqual({ met: true, failures: [] });
    expect(result.exitCode).toBe(0);
  });
});
