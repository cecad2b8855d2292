import { describe, expect, it } from "vitest";
import { CAUSE_CODES } from "../../shared/domain/causes.ts";
import { diagnoseShape, SHAPE_MIN_SAMPLES } from "../../shared/memory/shape.ts";
import { curve, trace } from "./synthetic.ts";

const seeds = [1, 2, 3, 4, 5, 6, 7, 8];
const N = 60; // 30 min at 30 s

describe("diagnoseShape on synthetic curves with seeded noise", () => {
  it.each(seeds)("leak: 40 %% -> 98 %% over 30 min, +-3 %% noise (seed %i)", (seed) => {
    const d = diagnoseShape(trace(curve(N, (i) => 40 + i, { noisePercent: 3, seed })), { oomKilled: true });
    expect(d.cause).toBe("MEMORY_LEAK");
    expect(d.slopeBytesPerSecond).toBeGreaterThan(0);
    expect(d.reason).toMatch(/grew steadily/);
  });

  it.each(seeds)("spike: ~35 %% until the last two samples, then 100 %% (seed %i)", (seed) => {
    const d = diagnoseShape(trace(curve(N, (i) => (i >= N - 2 ? 100 : 35), { noisePercent: 3, seed })));
    expect(d.cause).toBe("SUDDEN_SPIKE");
  });

  it.each(seeds)("spike between samples: ~35 %% to the end, then OOM-killed (seed %i)", (seed) => {
    const d = diagnoseShape(trace(curve(N, () => 35, { noisePercent: 3, seed })), { oomKilled: true });
    expect(d.cause).toBe("SUDDEN_SPIKE");
    expect(d.reason).toMatch(/between samples/);
  });

  it.each(seeds)("steady: flat at ~92 %% of the limit (seed %i)", (seed) => {
    const d = diagnoseShape(trace(curve(N, () => 92, { noisePercent: 3, seed })), { oomKilled: true });
    expect(d.cause).toBe("STEADY_NEAR_LIMIT");
  });

  it.each(seeds)("healthy: flat at ~45 %%, not killed: no cause (seed %i)", (seed) => {
    const d = diagnoseShape(trace(curve(N, () => 45, { noisePercent: 3, seed })));
    expect(d.cause).toBeUndefined();
    expect(d.reason).toMatch(/no leak, spike or steady/);
  });

  it.each(seeds)("GC sawtooth between 40 and 70 %% is neither a leak nor steady (seed %i)", (seed) => {
    const d = diagnoseShape(trace(curve(N, (i) => 40 + (i % 10) * 3, { noisePercent: 2, seed })));
    expect(d.cause).toBeUndefined();
  });

  it("a leak without a limit is measured against its own peak", () => {
    expect(diagnoseShape(trace(curve(N, (i) => 20 + i, { noisePercent: 2 }), null)).cause).toBe("MEMORY_LEAK");
    expect(diagnoseShape(trace(curve(N, () => 95, { noisePercent: 1 }), null)).cause).toBeUndefined();
  });

  it("too few samples: no cause, and says so", () => {
    const d = diagnoseShape(trace(curve(SHAPE_MIN_SAMPLES - 1, (i) => 40 + 6 * i)), { oomKilled: true });
    expect(d.cause).toBeUndefined();
    expect(d.reason).toBe(`too few samples: ${SHAPE_MIN_SAMPLES - 1} < ${SHAPE_MIN_SAMPLES}`);
    expect(diagnoseShape(trace(curve(SHAPE_MIN_SAMPLES, (i) => 40 + 6 * i)), { oomKilled: true }).cause).toBe("MEMORY_LEAK");
  });

  it("the shape causes are registered cause codes", () => {
    for (const c of ["MEMORY_LEAK", "SUDDEN_SPIKE", "STEADY_NEAR_LIMIT"]) expect(CAUSE_CODES).toContain(c);
  });
});
