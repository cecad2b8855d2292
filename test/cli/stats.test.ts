/**
 * `oomwatch incidents stats` as drawn for a terminal: only rows with incidents, a count for
 * every kind present under the names `--kind` accepts, one time format, one bar scale.
 */
import { describe, expect, it } from "vitest";
import { KIND_ALIASES, kindFromName } from "../../cli/incidents/kinds.ts";
import { computeStats, formatStats } from "../../cli/incidents/stats.ts";
import type { Incident } from "../../shared/schema/incident.ts";
import { makeIncident } from "../queries/fixtures.ts";

const now = new Date("2024-05-08T12:00:00.000Z");
const at = (day: number, hour = 10) => new Date(Date.UTC(2024, 4, day, hour)).toISOString();
const node = (o: Partial<Incident> & { id: string; firstSeen: string }) =>
  makeIncident({ namespace: undefined, workload: undefined, container: undefined, ...o });

// Quiet days 3, 4, 6 and 7; no Level 0; four kinds, none of them MemoryNearLimit or NodeMemoryHigh.
const incidents: Incident[] = [
  makeIncident({ id: "a1", firstSeen: at(2), level: 1 }),
  makeIncident({ id: "a2", firstSeen: at(2, 11), level: 1 }),
  makeIncident({ id: "a3", firstSeen: at(5), level: 1, namespace: "web", workload: { kind: "StatefulSet", name: "cache" } }),
  node({ id: "e1", firstSeen: at(5, 12), level: 2, kind: "PodEviction", node: "node-b" }),
  node({ id: "p1", firstSeen: at(8), level: 2, kind: "NodeMemoryPressure", node: "node-b" }),
  node({ id: "n1", firstSeen: at(8, 11), level: 3, kind: "NodeOOM", node: "node-c" }),
  // a victim of n1: part of it, so no row of its own (its workload has no incident of its own)
  makeIncident({ id: "v1", firstSeen: at(8, 11), level: 1, namespace: "batch", workload: { kind: "Job", name: "etl" }, partOf: { incidentId: "n1", kind: "NodeOOM" } }),
];
const options = { clusters: ["prod"], since: at(1, 12), until: now.toISOString(), top: 10, by: "occurrences" as const };
const stats = computeStats(incidents, options);
const text = formatStats(stats);

/** The rows of one section: from its title to the next blank line. */
function section(title: string): string[] {
  const lines = text.split("\n");
  const start = lines.indexOf(title);
  expect(start, title).toBeGreaterThan(-1);
  const end = lines.indexOf("", start);
  return lines.slice(start + 1, end === -1 ? undefined : end);
}

/** Bar length in eighths of a cell. */
function eighths(line: string): number {
  const bar = /[█▏▎▍▌▋▊▉]+$/.exec(line)?.[0] ?? "";
  return [...bar].reduce((n, c) => n + (c === "█" ? 8 : "▏▎▍▌▋▊▉".indexOf(c) + 1), 0);
}

describe("incidents stats output", () => {
  it("has no row with 0 incidents: quiet days, absent levels and kinds, victim-only workloads", () => {
    expect(section("Incidents per day (UTC)").map((l) => l.trim().split(/\s+/)[0])).toEqual(["2024-05-02", "2024-05-05", "2024-05-08"]);
    expect(section("By level").map((l) => l.trim().split(/\s+/).slice(0, 2).join(" "))).toEqual(["Level 1", "Level 2", "Level 3"]);
    expect(text).not.toContain("batch/Job/etl");
    for (const row of [...section("By level"), ...section("By kind"), ...section("Incidents per day (UTC)")]) {
      expect(row).not.toMatch(/\s0(\s|$)/);
    }
    expect(stats.perDay.every((d) => d.incidents > 0)).toBe(true);
  });

  it("counts every kind present, named as --kind accepts them", () => {
    const rows = section("By kind").map((l) => l.trim().split(/\s+/));
    expect(Object.fromEntries(rows.map(([name, n]) => [name, Number(n)]))).toEqual({ oom: 3, eviction: 1, pressure: 1, nodeoom: 1 });
    expect(stats.byKind).toEqual({ oom: 3, eviction: 1, pressure: 1, nodeoom: 1 });
    for (const [name] of rows) expect(KIND_ALIASES[kindFromName(name!)!]).toBe(name);
  });

  it("writes every time one way: YYYY-MM-DD HH:MM UTC (days as its date part)", () => {
    expect(text.split("\n")[0]).toBe("Cluster prod: 6 incidents (+1 part of a node OOM), 7 occurrences, first seen 2024-05-01 12:00 .. 2024-05-08 12:00 UTC");
    expect(text).not.toMatch(/\d{2}:\d{2}(:\d{2})?(\.\d+)?Z|T\d{2}:/);
  });

  it("draws every bar on one scale: equal counts, equal bars, in every section", () => {
    const rows = [...section("By level"), ...section("By kind"), ...section("Incidents per day (UTC)")];
    const max = Math.max(...rows.map((l) => Number(l.trim().split(/\s+/).at(-2))));
    for (const row of rows) {
      const n = Number(row.trim().split(/\s+/).at(-2));
      expect(eighths(row), row).toBe(Math.round((n / max) * 50 * 8));
    }
    // oom (3) is as long as Level 1 (3), in another section; the 2024-05-08 day (2) is two thirds of it.
    const oom = section("By kind")[0]!;
    expect(eighths(oom)).toBe(eighths(section("By level")[0]!));
    expect(eighths(section("Incidents per day (UTC)")[2]!)).toBe(Math.round((eighths(oom) * 2) / 3));
  });

  it("names every cluster it covers", () => {
    expect(formatStats(computeStats(incidents, { ...options, clusters: ["demo", "prod"] }))).toMatch(/^Clusters demo, prod: 6 incidents/);
  });
});
