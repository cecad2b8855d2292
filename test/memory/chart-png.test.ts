import { inflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { CHART_COLORS, chartGeometry, renderMemoryChart } from "../../shared/memory/chart-png.ts";
import { crc32 } from "../../shared/memory/png.ts";
import { curve, Gi, Mi, T0, trace } from "./synthetic.ts";

/** Decodes the PNGs our encoder writes (8-bit RGB, filter 0), checking every chunk's CRC. */
function decode(png: Buffer) {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  let off = 8;
  const chunks: { type: string; data: Buffer }[] = [];
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString("ascii", off + 4, off + 8);
    const data = png.subarray(off + 8, off + 8 + len);
    expect(png.readUInt32BE(off + 8 + len)).toBe(crc32(png.subarray(off + 4, off + 8 + len)));
    chunks.push({ type, data });
    off += 12 + len;
  }
  expect(chunks[0]!.type).toBe("IHDR");
  expect(chunks.at(-1)!.type).toBe("IEND");
  const ihdr = chunks[0]!.data;
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  expect([ihdr[8], ihdr[9]]).toEqual([8, 2]);
  const raw = inflateSync(Buffer.concat(chunks.filter((c) => c.type === "IDAT").map((c) => c.data)));
  expect(raw.length).toBe(height * (width * 3 + 1));
  const pixel = (x: number, y: number) => {
    const i = y * (width * 3 + 1) + 1 + x * 3;
    expect(raw[y * (width * 3 + 1)]).toBe(0);
    return [raw[i], raw[i + 1], raw[i + 2]];
  };
  return { width, height, pixel };
}

describe("memory chart PNG", () => {
  const t = trace(curve(60, (i) => 30 + i / 2, { noisePercent: 1 }), Gi, 512 * Mi);
  const kill = T0 + 59 * 30 + 15;

  it("is a valid PNG of the requested size", () => {
    const png = decode(renderMemoryChart(t, { width: 800, height: 300, killAtEpochSeconds: kill }));
    expect([png.width, png.height]).toEqual([800, 300]);
    const other = decode(renderMemoryChart(t, { width: 640, height: 240 }));
    expect([other.width, other.height]).toEqual([640, 240]);
  });

  it("draws the limit line, the dashed request line and the kill marker where the axes put them", () => {
    const opts = { killAtEpochSeconds: kill };
    const g = chartGeometry(t, opts);
    const png = decode(renderMemoryChart(t, opts));
    const x = Math.round((g.plot.left + g.plot.right) / 2);
    expect(png.pixel(x, g.yOf(Gi))).toEqual([...CHART_COLORS.limit]);
    const yKill = Math.round((g.plot.top + g.plot.bottom) / 2);
    expect(png.pixel(g.xOf(kill), yKill)).toEqual([...CHART_COLORS.kill]);
    // Dashed request: some columns green, some not.
    const row = g.yOf(512 * Mi);
    const greens = Array.from({ length: 40 }, (_, i) => png.pixel(g.plot.left + 100 + i, row)).filter((p) => p.join() === CHART_COLORS.request.join());
    expect(greens.length).toBeGreaterThan(10);
    expect(greens.length).toBeLessThan(40);
    // The working set passes through its first sample's position.
    expect(png.pixel(g.xOf(t.samples[0]![0]), g.yOf(t.samples[0]![1]))).toEqual([...CHART_COLORS.workingSet]);
  });

  it("has readable axes: Y ticks in binary units up to the limit, X ticks in minutes before the kill", () => {
    const g = chartGeometry(t, { killAtEpochSeconds: kill });
    expect(g.yTicks.at(-1)).toBeGreaterThanOrEqual(Gi);
    expect(g.yTicks.every((v) => v % Mi === 0)).toBe(true);
    expect(g.xTicks[0]).toEqual({ t: kill, label: "0 min" });
    expect(g.xTicks.map((x) => x.label)).toContain("-25 min");
  });

  it("renders a trace without samples or limit without failing", () => {
    const png = decode(renderMemoryChart({ stepSeconds: 30, samples: [] }));
    expect(png.width).toBe(800);
  });
});
