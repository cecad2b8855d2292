import { describe, expect, it } from "vitest";
import { bar, formatDuration, sparkline, SPARKLINE_MAX_BARS } from "../../shared/memory/sparkline.ts";
import { curve, Mi, T0, trace } from "./synthetic.ts";

describe("sparkline", () => {
  it("draws % of the limit on an absolute scale with first -> last and the span", () => {
    // 41 % -> 100 % over 14 min in 29 samples.
    const s = sparkline(trace(curve(29, (i) => 41 + (59 * i) / 28)));
    expect(s).toMatch(/^[▁▂▃▄▅▆▇█]{24} 41% → 100% in 14 min$/);
    expect(s!.startsWith("▄")).toBe(true);
    expect([...s!][23]).toBe("█");
  });

  it("merges by max so a short peak survives downsampling", () => {
    const samples = curve(60, (i) => (i === 31 ? 100 : 10));
    const s = sparkline(trace(samples))!;
    const bars = [...s].slice(0, SPARKLINE_MAX_BARS);
    expect(bars.filter((b) => b === "█")).toHaveLength(1);
    expect(bars.filter((b) => b === "▁")).toHaveLength(23);
  });

  it("one bar per sample when there are fewer samples than bars", () => {
    expect(sparkline(trace(curve(3, (i) => [10, 50, 100][i]!)))).toBe("▁▄█ 10% → 100% in 1 min");
  });

  it("without a limit: scaled to its own peak, bytes in the text", () => {
    const s = sparkline({ samples: [
      [T0, 256 * Mi],
      [T0 + 30, 512 * Mi],
    ] });
    expect(s).toBe("▄█ 256Mi → 512Mi in 30 s");
  });

  it("nothing without samples; bar levels at their edges", () => {
    expect(sparkline(trace([]))).toBeUndefined();
    expect(bar(0)).toBe("▁");
    expect(bar(0.125)).toBe("▁");
    expect(bar(0.126)).toBe("▂");
    expect(bar(1)).toBe("█");
    expect(bar(1.5)).toBe("█");
    expect([formatDuration(45), formatDuration(840), formatDuration(9000)]).toEqual(["45 s", "14 min", "2.5 h"]);
  });
});
