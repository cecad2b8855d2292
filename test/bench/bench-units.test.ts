/** Pure parts of the benchmarks: verdicts, the table, Slack parent counting, the generated storm, bundling options. */
import { describe, expect, it } from "vitest";
import { duplicateFigureIds, formatTable, median, verdict, type BenchResult } from "../../bench/results.ts";
import { countSlackParents } from "../../bench/storm-checks.ts";
import { STORM_QUICK, stormCounts, stormScenario } from "../../bench/storm-scenario.ts";
import { cpuFigures, grownStorm, observedCheck } from "../../bench/storm.ts";
import { cpuPartOf, splitProfile } from "../../bench/cpu-profile.ts";
import type { SinkMessage } from "../../sandbox/slack-sink.ts";
import { ESM_REQUIRE_SHIM, FUNCTION_BUNDLING, functionEsbuildOptions } from "../../shared/function-bundling.ts";

describe("verdict", () => {
  it("says ok when a target is met, in either direction", () => {
    expect(verdict({ name: "x", value: 600, unit: "occ/s", target: { op: ">=", value: 500 } })).toBe("ok");
    expect(verdict({ name: "x", value: 1.5, unit: "s", target: { op: "<=", value: 2 } })).toBe("ok");
  });

  it("states by what factor a target is missed", () => {
    expect(verdict({ name: "x", value: 50, unit: "occ/s", target: { op: ">=", value: 500 } })).toBe("missed: 10× below");
    expect(verdict({ name: "x", value: 300, unit: "MiB", target: { op: "<=", value: 100 } })).toBe("missed: 3× over");
    expect(verdict({ name: "x", value: 0, unit: "occ/s", target: { op: ">=", value: 500 } })).toBe("missed (0)");
  });

  it("is empty without a target", () => {
    expect(verdict({ name: "x", value: 1, unit: "" })).toBe("");
  });
});

describe("formatTable", () => {
  const result: BenchResult = {
    id: "t",
    title: "Thing",
    params: {},
    figures: [{ id: "t.speed", name: "speed", value: 12.345, unit: "ms", target: { op: "<=", value: 10 }, note: "median of 5" }],
    checks: [
      { name: "lost = 0", ok: true, detail: "0 lost" },
      { name: "duplicated = 0", ok: false, detail: "2 duplicates" },
    ],
    durationMs: 1,
    error: "Error: boom\n    at somewhere",
  };
  const lines = formatTable([result]).split("\n");

  it("has a header, a separator and one row per figure, check and error", () => {
    expect(lines[0]).toMatch(/^\| benchmark +\| figure +\| value +\| target +\| result +\|$/);
    expect(lines).toHaveLength(2 + 1 + 1 + 2);
  });

  it("shows values with notes, targets, verdicts and failed checks", () => {
    expect(lines.find((l) => l.includes("speed"))).toMatch(/12\.3 ms \(median of 5\) +\| <= 10 ms +\| missed: 1\.23× over/);
    expect(lines.find((l) => l.includes("duplicated"))).toMatch(/2 duplicates +\| checked +\| FAILED/);
    expect(lines.find((l) => l.includes("lost"))).toMatch(/\| ok +\|$/);
    expect(lines.find((l) => l.includes("error"))).toMatch(/Error: boom +\| +\| failed/);
  });
});

describe("median", () => {
  it("takes the middle value, or the mean of the two middle ones", () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBe(0);
  });
});

describe("countSlackParents", () => {
  const message = (incident: string, role: string, thread?: string): SinkMessage => ({
    channel: "C1",
    channelName: "oom-alerts",
    ts: String(Math.random()),
    ...(thread ? { thread_ts: thread } : {}),
    text: "t",
    metadata: { event_type: "oomwatch_incident", event_payload: { incident_id: incident, role } },
    edits: [],
  });

  it("counts top-level messages and repeats of one incident and role, not thread replies", () => {
    const messages = [message("a", "owner"), message("a", "ops"), message("b", "owner"), message("a", "owner", "1.0"), message("b", "owner")];
    expect(countSlackParents(messages)).toEqual({ total: 4, duplicates: 1 });
  });
});

describe("stormScenario", () => {
  it("parses as a scenario whose steps generate the counted occurrences", () => {
    const scenario = stormScenario(STORM_QUICK);
    const counts = stormCounts(STORM_QUICK);
    const oom = scenario.steps.find((s) => s.action.type === "oomKill");
    const evict = scenario.steps.find((s) => s.action.type === "evict");
    expect(scenario.nodes).toHaveLength(STORM_QUICK.nodes);
    expect(oom?.repeat).toBe(STORM_QUICK.oomsPerService);
    expect(evict?.repeat).toBe(STORM_QUICK.evictionSteps);
    expect(evict?.action.args).toMatchObject({ node: "*", count: STORM_QUICK.evictionsPerNodeStep, resource: "memory" });
    expect(counts).toEqual({
      ContainerOOM: STORM_QUICK.services * STORM_QUICK.oomsPerService,
      PodEviction: STORM_QUICK.nodes * STORM_QUICK.evictionsPerNodeStep * STORM_QUICK.evictionSteps,
      NodeMemoryPressure: STORM_QUICK.nodes,
    });
    // One OOM a scenario second per service: every kill gets its own finishedAt (occurrence key).
    expect(oom?.every).toBe(1000);
  });
});

describe("functionEsbuildOptions", () => {
  it("is what NodejsFunction derives from FUNCTION_BUNDLING: ESM index.mjs, node22, minified, maps without sources, no externals", () => {
    const o = functionEsbuildOptions("/src/functions/ingest/handler.ts", "/out/ingest/");
    expect(o).toMatchObject({
      entryPoints: ["/src/functions/ingest/handler.ts"],
      outfile: "/out/ingest/index.mjs",
      bundle: true,
      platform: "node",
      format: "esm",
      target: FUNCTION_BUNDLING.target,
      minify: true,
      sourcemap: true,
      sourcesContent: false,
      mainFields: ["module", "main"],
      banner: { js: ESM_REQUIRE_SHIM },
    });
    expect(o.external).toBeUndefined();
  });
});

describe("figure ids", () => {
  const result = (id: string, ...ids: string[]): BenchResult => ({
    id,
    title: id,
    params: {},
    figures: ids.map((f) => ({ id: f, name: f, value: 1, unit: "" })),
    checks: [],
    durationMs: 1,
  });

  it("finds an id used by two figures, also across benchmarks", () => {
    expect(duplicateFigureIds([result("a", "a.x", "a.y"), result("b", "b.x")])).toEqual([]);
    expect(duplicateFigureIds([result("a", "a.x", "a.x"), result("b", "a.y", "a.y")])).toEqual(["a.x", "a.y"]);
  });
});

describe("observed = generated", () => {
  const keys = (n: number, prefix: string) => new Set(Array.from({ length: n }, (_, i) => `${prefix}${i}`));
  const expected = { ContainerOOM: 3, PodEviction: 2, NodeMemoryPressure: 1 };

  it("holds only when every kind is observed exactly as often as generated", () => {
    const exact = new Map([["ContainerOOM", keys(3, "o")], ["PodEviction", keys(2, "e")], ["NodeMemoryPressure", keys(1, "p")]]);
    expect(observedCheck(expected, exact)).toMatchObject({ ok: true, detail: "6 observed, 6 generated (ContainerOOM 3/3, PodEviction 2/2, NodeMemoryPressure 1/1)" });
    // More than generated fails too: the full storm's 4x run once observed 3,570 OOMs for 2,000 kills.
    const extra = new Map([...exact, ["ContainerOOM", keys(4, "o")]]);
    expect(observedCheck(expected, extra)).toMatchObject({ ok: false, detail: expect.stringContaining("ContainerOOM 4/3") });
    const missing = new Map([...exact, ["PodEviction", keys(1, "e")]]);
    expect(observedCheck(expected, missing).ok).toBe(false);
    // A kind the storm does not generate (an early warning) is named and fails the check.
    const other = new Map([...exact, ["MemoryNearLimit", keys(1, "w")]]);
    expect(observedCheck(expected, other)).toMatchObject({ ok: false, detail: expect.stringContaining("MemoryNearLimit 1/0") });
  });
});

describe("the storm's growth run", () => {
  it("has the same incidents with 4x the occurrences each", () => {
    const base = stormCounts(STORM_QUICK);
    const grown = grownStorm(STORM_QUICK);
    expect({ services: grown.services, nodes: grown.nodes }).toEqual({ services: STORM_QUICK.services, nodes: STORM_QUICK.nodes });
    expect(stormCounts(grown)).toEqual({ ContainerOOM: base.ContainerOOM * 4, PodEviction: base.PodEviction * 4, NodeMemoryPressure: base.NodeMemoryPressure });
  });
});

describe("CPU profile split", () => {
  it("attributes script URLs to the parts of the sandbox", () => {
    expect(cpuPartOf("file:///w/node_modules/dynalite/db/index.js")).toBe("emulators");
    expect(cpuPartOf("file:///w/node_modules/classic-level/index.js")).toBe("emulators");
    expect(cpuPartOf("file:///w/node_modules/local-aws-sqs/dist/index.js")).toBe("emulators");
    expect(cpuPartOf("file:///w/node_modules/@smithy/core/dist-cjs/index.js")).toBe("awsSdk");
    expect(cpuPartOf("file:///w/node_modules/@aws-sdk/client-sqs/dist-cjs/index.js")).toBe("awsSdk");
    expect(cpuPartOf("file:///w/node_modules/zod/v4/core/schemas.js")).toBe("zod");
    expect(cpuPartOf("file:///w/functions/ingest/group-state.ts")).toBe("pipeline");
    expect(cpuPartOf("file:///w/shared/storage/pipeline-store.ts")).toBe("pipeline");
    expect(cpuPartOf("file:///w/forwarder/forwarder.ts")).toBe("forwarder");
    expect(cpuPartOf("file:///w/sandbox/k8s-sim/server.ts")).toBe("simulator");
    expect(cpuPartOf("file:///w/sandbox/lambda-runner/poller.ts")).toBe("sandbox");
    expect(cpuPartOf("node:internal/http")).toBe("nodeInternals");
    expect(cpuPartOf("", "(program)")).toBe("nodeInternals");
    expect(cpuPartOf("", "(garbage collector)")).toBe("gc");
  });

  it("sums each sample's time delta into its part, leaving idle out", () => {
    const profile = {
      nodes: [
        { id: 1, callFrame: { url: "", functionName: "(idle)" } },
        { id: 2, callFrame: { url: "file:///w/functions/analyze/handler.ts", functionName: "h" } },
        { id: 3, callFrame: { url: "file:///w/node_modules/dynalite/index.js", functionName: "d" } },
      ],
      samples: [1, 2, 3, 3, 2],
      timeDeltas: [5000, 1000, 2000, 2000, 1000],
    };
    const split = splitProfile(profile);
    expect(split.totalMs).toBe(6);
    expect(split.ms.pipeline).toBe(2);
    expect(split.ms.emulators).toBe(4);
    const figures = cpuFigures(split, 2);
    expect(figures.find((f) => f.id === "storm.cpuShare.emulators")?.value).toBeCloseTo(66.67, 1);
    expect(figures.find((f) => f.id === "storm.cpuMsPerOccurrence.pipeline")?.value).toBe(1);
  });
});
