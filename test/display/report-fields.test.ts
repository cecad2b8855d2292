/**
 * The sandbox report's `expectations` (the scenario's `expect:` check) and `incidentIds`.
 */
import { describe, expect, test } from "vitest";
import { type PipelineReport, SandboxReportSchema } from "../../sandbox/report.ts";
import { parseScenario } from "../../sandbox/k8s-sim/scenario.ts";
import { type Input, loadInput, withExpectations } from "../../sandbox/run.ts";

const SCENARIO = `name: t
nodes:
  - name: node-a
deployments:
  - name: web
    namespace: shop
    containers:
      - name: app
steps:
  - at: 1s
    oomKill: { pod: shop/web }
expect:
  observed:
    ContainerOOM: 7
  incidents:
    "2": 2
  deadLetters: 0
`;

/** What SCENARIO expects, except for the figures given. */
function pipelineReport(over: Partial<PipelineReport> = {}): PipelineReport {
  return {
    scenario: "demo",
    observed: 14,
    observedByKind: { ContainerOOM: 7, PodEviction: 1, NodeMemoryPressure: 1, NodeOOM: 1, MemoryNearLimit: 2, NodeMemoryHigh: 2 },
    forwarded: 14,
    incidents: { "0": 1, "1": 2, "2": 2, "3": 1 },
    incidentIds: { "0": ["a0"], "1": ["b1", "c1"], "2": ["d2", "e2"], "3": ["f3"] },
    slack: { posted: 8, updated: 3, threadReplies: 9 },
    deadLetters: { events: 0, analyze: 0, notify: 0 },
    latencyMs: { p50: 100, p99: 900 },
    durationMs: 60_000,
    ...over,
  };
}

describe("report expectations", () => {
  const demo: Input = { kind: "scenario", scenario: parseScenario(SCENARIO, "t.yaml"), name: "t" };

  test("a scenario run that meets its expect: met, no failures", () => {
    const report = SandboxReportSchema.parse(withExpectations(pipelineReport(), demo));
    expect(report.expectations).toEqual({ met: true, failures: [] });
    expect(report.incidentIds["1"]).toEqual(["b1", "c1"]);
  });

  test("a scenario run that misses: each failure as the sandbox prints it", () => {
    const missed = pipelineReport({ incidents: { "0": 1, "1": 2, "2": 1, "3": 1 }, deadLetters: { events: 0, analyze: 1, notify: 0 } });
    expect(withExpectations(missed, demo).expectations).toEqual({
      met: false,
      failures: ["incidents level 2: expected 2, got 1", "dead letters: expected 0, got 1"],
    });
  });

  test("a replay has nothing to expect", () => {
    const replay = loadInput({ replay: "sandbox/recordings/go-oom.watch.json", dataDir: "unused" });
    expect(withExpectations(pipelineReport({ incidents: { "0": 0, "1": 0, "2": 0, "3": 0 } }), replay).expectations).toEqual({ met: true, failures: [] });
  });

  test("the schema requires both new fields", () => {
    const { expectations: _, ...withoutExpectations } = withExpectations(pipelineReport(), demo);
    expect(SandboxReportSchema.safeParse(withoutExpectations).success).toBe(false);
    const { incidentIds: __, ...withoutIds } = withExpectations(pipelineReport(), demo);
    expect(SandboxReportSchema.safeParse(withoutIds).success).toBe(false);
  });
});
