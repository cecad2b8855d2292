import { describe, expect, it } from "vitest";
import { downsampleByMax, MemoryTraceSchema, traceJsonBytes, TRIM_MIN_DOWNSAMPLED, trimTrace } from "../../shared/memory/trace.ts";
import { curve, Gi, Mi, T0, trace } from "./synthetic.ts";

describe("memoryTrace", () => {
  const full = trace(curve(61, (i) => 40 + i, { noisePercent: 2 }), Gi, 512 * Mi);

  it("the schema is the contract: source, stepSeconds, [epochSeconds, bytes] samples, optional limit and request", () => {
    expect(MemoryTraceSchema.parse(full)).toEqual(full);
    expect(() => MemoryTraceSchema.parse({ ...full, source: "prometheus" })).toThrow();
    expect(() => MemoryTraceSchema.parse({ ...full, samples: [[T0, -1]] })).toThrow();
    expect(MemoryTraceSchema.parse({ source: "metrics-server", stepSeconds: 30, samples: [] })).toEqual({ source: "metrics-server", stepSeconds: 30, samples: [] });
  });

  it("returns the trace unchanged when it fits", () => {
    expect(trimTrace(full, 10_000)).toBe(full);
  });

  it("downsamples by max first: the newest sample and the peak survive", () => {
    const budget = Math.floor(traceJsonBytes(full) * 0.6);
    const t = trimTrace(full, budget);
    expect(traceJsonBytes(t)).toBeLessThanOrEqual(budget);
    expect(t.samples.length).toBeGreaterThanOrEqual(TRIM_MIN_DOWNSAMPLED);
    expect(t.samples.at(-1)).toEqual(full.samples.at(-1));
    expect(Math.max(...t.samples.map(([, b]) => b))).toBe(Math.max(...full.samples.map(([, b]) => b)));
    expect(t.stepSeconds).toBeGreaterThan(full.stepSeconds);
    expect(t.limitBytes).toBe(Gi);
  });

  it("then drops the oldest, finally keeps no samples, and never throws", () => {
    const small = trimTrace(full, 300);
    expect(traceJsonBytes(small)).toBeLessThanOrEqual(300);
    expect(small.samples.length).toBeGreaterThan(0);
    expect(small.samples.length).toBeLessThan(TRIM_MIN_DOWNSAMPLED);
    expect(small.samples.at(-1)![0]).toBe(full.samples.at(-1)![0]);
    const none = trimTrace(full, 120);
    expect(none.samples).toEqual([]);
    expect(none.limitBytes).toBe(Gi);
    expect(trimTrace(full, 0).samples).toEqual([]);
    expect(trimTrace(full, Number.NaN).samples).toEqual([]);
  });

  it("downsampleByMax aligns groups at the newest end", () => {
    expect(
      downsampleByMax(
        [
          [1, 5],
          [2, 9],
          [3, 1],
          [4, 2],
          [5, 3],
        ],
        2,
      ),
    ).toEqual([
      [1, 5],
      [3, 9],
      [5, 3],
    ]);
  });
});
