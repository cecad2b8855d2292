import { describe, expect, it } from "vitest";
import { DEFAULT_EARLY_WARNING_POLICY, describeEarlyWarning, EarlyWarningPolicySchema, evaluateEarlyWarning, linearFit } from "../../shared/memory/early-warning.ts";
import type { MemorySample } from "../../shared/memory/trace.ts";
import { curve, Gi, T0, trace } from "./synthetic.ts";

const LIMIT = 1000 * 2 ** 20; // 1% = 10Mi exactly, so 85% and 95% are exact byte counts
const at = (pct: number) => (pct / 100) * LIMIT;
/** A calm history at 50 %, then `pct` % from `runStart` (seconds) up to `runEnd`, sampled every 30 s plus the end. */
function run(pct: number, runSeconds: number, basePct = 50): MemorySample[] {
  const out: MemorySample[] = [];
  for (let t = 0; t < 600; t += 30) out.push([T0 + t, at(basePct)]);
  const start = 600;
  for (let t = 0; t < runSeconds; t += 30) out.push([T0 + start + t, at(pct)]);
  out.push([T0 + start + runSeconds, at(pct)]);
  return out;
}
const evalC = (samples: MemorySample[]) => evaluateEarlyWarning("container", { samples, limitBytes: LIMIT });
const noTrend = EarlyWarningPolicySchema.parse({ trend: { enabled: false } });

describe("early warning: thresholds at their edges", () => {
  it("84 % for 10 min: nothing; 85 % for 5:00: warning", () => {
    expect(evaluateEarlyWarning("container", { samples: run(84.99, 600), limitBytes: LIMIT }, noTrend)).toBeUndefined();
    const v = evaluateEarlyWarning("container", { samples: run(85, 300), limitBytes: LIMIT }, noTrend);
    expect(v).toMatchObject({ ruleId: "container-warning", severity: "warning", currentPercent: 85, firingSinceEpochSeconds: T0 + 900 });
  });

  it("85 % for 4:59: nothing yet", () => {
    expect(evaluateEarlyWarning("container", { samples: run(85, 299), limitBytes: LIMIT }, noTrend)).toBeUndefined();
  });

  it("one sample below the threshold inside the 5 min resets the run", () => {
    const s = run(90, 300);
    s[s.length - 3] = [s[s.length - 3]![0], at(84)];
    expect(evaluateEarlyWarning("container", { samples: s, limitBytes: LIMIT }, noTrend)).toBeUndefined();
  });

  it("a gap longer than maxGapSeconds breaks the run: nobody saw what happened in between", () => {
    const s: MemorySample[] = [
      [T0, at(90)],
      [T0 + 300, at(90)],
    ];
    expect(evaluateEarlyWarning("container", { samples: s, limitBytes: LIMIT }, noTrend)).toBeUndefined();
    const dense = Array.from({ length: 11 }, (_, i) => [T0 + i * 30, at(90)] as MemorySample);
    expect(evaluateEarlyWarning("container", { samples: dense, limitBytes: LIMIT }, noTrend)?.ruleId).toBe("container-warning");
  });

  it("94.99 % for 2:00 is a warning only if it also held 5 min; 95 % for 2:00 is critical; 95 % for 1:59 is not", () => {
    expect(evaluateEarlyWarning("container", { samples: run(94.99, 120), limitBytes: LIMIT }, noTrend)).toBeUndefined();
    expect(evaluateEarlyWarning("container", { samples: run(95, 120), limitBytes: LIMIT }, noTrend)).toMatchObject({ ruleId: "container-critical", severity: "critical" });
    expect(evaluateEarlyWarning("container", { samples: run(95, 119), limitBytes: LIMIT }, noTrend)).toBeUndefined();
    expect(evaluateEarlyWarning("container", { samples: run(94.99, 300), limitBytes: LIMIT }, noTrend)?.ruleId).toBe("container-warning");
  });

  it("critical wins over warning when both hold", () => {
    expect(evaluateEarlyWarning("container", { samples: run(97, 600), limitBytes: LIMIT }, noTrend)?.ruleId).toBe("container-critical");
  });

  it("nodes use allocatable with the same thresholds and their own rule ids", () => {
    const alloc = 16 * Gi;
    const s = run(85, 300).map(([t, b]) => [t, (b / LIMIT) * alloc] as MemorySample);
    expect(evaluateEarlyWarning("node", { samples: s, limitBytes: alloc }, noTrend)?.ruleId).toBe("node-warning");
    const s2 = run(84, 600).map(([t, b]) => [t, (b / LIMIT) * alloc] as MemorySample);
    expect(evaluateEarlyWarning("node", { samples: s2, limitBytes: alloc }, noTrend)).toBeUndefined();
  });

  it("containers without a limit get no container rule", () => {
    expect(evaluateEarlyWarning("container", { samples: run(99, 600) })).toBeUndefined();
  });

  it("thresholds come from the policy", () => {
    const p = EarlyWarningPolicySchema.parse({ container: { warning: { percent: 80, forSeconds: 60 } }, trend: { enabled: false } });
    expect(p.container.critical.percent).toBe(95);
    expect(evaluateEarlyWarning("container", { samples: run(81, 60), limitBytes: LIMIT }, p)?.ruleId).toBe("container-warning");
    expect(evaluateEarlyWarning("container", { samples: run(81, 60), limitBytes: LIMIT }, noTrend)).toBeUndefined();
    expect(evaluateEarlyWarning("container", { samples: run(99, 600), limitBytes: LIMIT }, EarlyWarningPolicySchema.parse({ enabled: false }))).toBeUndefined();
  });
});

describe("early warning: trend (predict_linear)", () => {
  it("linear growth that reaches the limit within 30 min warns with slope and time to limit", () => {
    // 40 % -> 60 % over 10 min: +2 %/min, 40 % left = 20 min to the limit.
    const s = curve(21, (i) => 40 + i, { limit: LIMIT });
    const v = evalC(s);
    expect(v).toMatchObject({ ruleId: "container-trend", severity: "warning" });
    expect(v!.slopeBytesPerSecond).toBeCloseTo(LIMIT / 100 / 30, 3);
    expect(v!.secondsToLimit).toBeCloseTo(1200, 0);
    expect(v!.currentPercent).toBeCloseTo(60, 5);
  });

  it("nodes have a trend rule too", () => {
    const alloc = 16 * Gi;
    const v = evaluateEarlyWarning("node", { samples: curve(21, (i) => 40 + i, { limit: alloc }), limitBytes: alloc });
    expect(v).toMatchObject({ ruleId: "node-trend", target: "node", firingSinceEpochSeconds: T0 + 600 });
  });

  it("describes a verdict in one line: %, growth and time to the limit", () => {
    const v = evalC(curve(21, (i) => 40 + i, { limit: LIMIT }))!;
    expect(describeEarlyWarning(v)).toBe("working set 600Mi = 60% of the 1000Mi limit, +20Mi/min, limit in 20 min at this rate");
    const flat = evaluateEarlyWarning("node", { samples: run(90, 600), limitBytes: LIMIT })!;
    expect(describeEarlyWarning(flat)).toBe("working set 900Mi = 90% of the 1000Mi allocatable, not growing");
    expect(describeEarlyWarning({ ...flat, slopeBytesPerSecond: undefined, secondsToLimit: undefined })).toBe("working set 900Mi = 90% of the 1000Mi allocatable");
  });

  it("slower growth that needs more than the horizon: nothing", () => {
    // +1 %/min from 50 %: 40 min to the limit.
    expect(evalC(curve(21, (i) => 50 + i / 2, { limit: LIMIT }))).toBeUndefined();
  });

  it("needs minSamples in the window: 9 growing samples are not a trend", () => {
    expect(evalC(curve(9, (i) => 40 + 4 * i, { limit: LIMIT }))).toBeUndefined();
    expect(evalC(curve(10, (i) => 40 + 4 * i, { limit: LIMIT }))?.ruleId).toBe("container-trend");
  });

  it("noise around a flat line does not warn (R² guard)", () => {
    for (let seed = 1; seed <= 20; seed++) expect(evalC(curve(21, () => 80, { limit: LIMIT, noisePercent: 4, seed }))).toBeUndefined();
  });

  it("threshold verdicts carry the trend too", () => {
    const s = curve(21, (i) => 90 + i * 0.5, { limit: LIMIT });
    const v = evalC(s);
    expect(v?.ruleId).toBe("container-critical");
    expect(v?.slopeBytesPerSecond).toBeGreaterThan(0);
    expect(v?.secondsToLimit).toBeGreaterThanOrEqual(0);
  });

  it("linearFit recovers a known line", () => {
    const fit = linearFit([
      [T0, 100],
      [T0 + 10, 200],
      [T0 + 20, 300],
    ]);
    expect(fit).toMatchObject({ slopeBytesPerSecond: 10, fittedBytes: 300, rSquared: 1, samples: 3 });
    expect(linearFit([[T0, 1]])).toBeUndefined();
  });

  it("defaults are the reference guide's", () => {
    expect(DEFAULT_EARLY_WARNING_POLICY.container).toEqual({ warning: { percent: 85, forSeconds: 300 }, critical: { percent: 95, forSeconds: 120 } });
    expect(DEFAULT_EARLY_WARNING_POLICY.node).toEqual(DEFAULT_EARLY_WARNING_POLICY.container);
    expect(DEFAULT_EARLY_WARNING_POLICY.trend).toMatchObject({ windowSeconds: 600, horizonSeconds: 1800 });
    expect(trace([]).samples).toEqual([]);
  });
});
