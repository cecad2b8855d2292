/**
 * `oomwatch incidents stats`: aggregates over the incidents a Query returned
 * (pure, so it is unit-tested without DynamoDB) and draws them for a terminal.
 */
import type { Incident, Level } from "../../shared/schema/incident.ts";
import { IncidentKindSchema, type IncidentKind } from "../../shared/schema/occurrence.ts";
import { bar, clean, renderTable } from "./text.ts";
import { TABLE_WIDTH } from "./format-list.ts";

export interface Ranked {
  /** `namespace/Kind/name` for workloads, the node name for nodes. */
  name: string;
  incidents: number;
  occurrences: number;
}

export interface DayCount {
  /** UTC day, `YYYY-MM-DD`. */
  day: string;
  incidents: number;
  occurrences: number;
}

export interface IncidentStats {
  cluster: string;
  since: string;
  until: string;
  /** Top-level incidents: node-OOM victims (`partOf`) are part of their node OOM incident, not counted here. */
  incidents: number;
  /** Incidents that are part of another incident (node-OOM victims); their occurrences still count. */
  partOfOther: number;
  occurrences: number;
  byLevel: Record<`${Level}`, number>;
  byKind: Record<IncidentKind, number>;
  topWorkloads: Ranked[];
  topNodes: Ranked[];
  perDay: DayCount[];
}

export type RankBy = "incidents" | "occurrences";

function rank(counts: Map<string, Ranked>, by: RankBy, top: number): Ranked[] {
  const other: RankBy = by === "incidents" ? "occurrences" : "incidents";
  return [...counts.values()]
    .sort((a, b) => b[by] - a[by] || b[other] - a[other] || a.name.localeCompare(b.name))
    .slice(0, top);
}

function add(counts: Map<string, Ranked>, name: string, occurrences: number, incidents: number): void {
  const r = counts.get(name) ?? { name, incidents: 0, occurrences: 0 };
  r.incidents += incidents;
  r.occurrences += occurrences;
  counts.set(name, r);
}

const DAY_MS = 86_400_000;

/** Every UTC day from `since` to `until`, so quiet days show as empty bars. */
function days(since: string, until: string): string[] {
  const out: string[] = [];
  const last = until.slice(0, 10);
  for (let t = Date.parse(`${since.slice(0, 10)}T00:00:00Z`); ; t += DAY_MS) {
    const day = new Date(t).toISOString().slice(0, 10);
    if (day > last) break;
    out.push(day);
  }
  return out;
}

export interface StatsOptions {
  cluster: string;
  since: string;
  until: string;
  top: number;
  by: RankBy;
}

export function computeStats(incidents: Iterable<Incident>, o: StatsOptions): IncidentStats {
  const byLevel: Record<`${Level}`, number> = { "0": 0, "1": 0, "2": 0, "3": 0 };
  const byKind = Object.fromEntries(IncidentKindSchema.options.map((k) => [k, 0])) as Record<IncidentKind, number>;
  const workloads = new Map<string, Ranked>();
  const nodes = new Map<string, Ranked>();
  const perDay = new Map<string, DayCount>(days(o.since, o.until).map((day) => [day, { day, incidents: 0, occurrences: 0 }]));
  let total = 0;
  let partOfOther = 0;
  let occurrences = 0;
  for (const i of incidents) {
    // Counting incidents counts top-level ones; a victim's OOM kills still count as occurrences.
    const one = i.partOf ? 0 : 1;
    total += one;
    partOfOther += 1 - one;
    occurrences += i.occurrences;
    byLevel[`${i.level}`] += one;
    byKind[i.kind] += one;
    if (i.workload) add(workloads, `${i.namespace ?? "?"}/${i.workload.kind}/${i.workload.name}`, i.occurrences, one);
    if (i.node) add(nodes, i.node, i.occurrences, one);
    const day = perDay.get(i.firstSeen.slice(0, 10));
    if (day) {
      day.incidents += one;
      day.occurrences += i.occurrences;
    }
  }
  return {
    cluster: o.cluster,
    since: o.since,
    until: o.until,
    incidents: total,
    partOfOther,
    occurrences,
    byLevel,
    byKind,
    topWorkloads: rank(workloads, o.by, o.top),
    topNodes: rank(nodes, o.by, o.top),
    perDay: [...perDay.values()],
  };
}

const BAR_WIDTH = 50;

function counts(title: string, entries: [string, number][]): string[] {
  const max = Math.max(0, ...entries.map(([, n]) => n));
  const labelWidth = Math.max(...entries.map(([k]) => k.length));
  return [title, ...entries.map(([k, n]) => `  ${k.padEnd(labelWidth)}  ${String(n).padStart(5)}  ${bar(n, max, 30)}`.trimEnd())];
}

function ranking(title: string, rows: Ranked[]): string[] {
  if (rows.length === 0) return [title, "  none"];
  const table = renderTable(
    ["NAME", "INCIDENTS", "OCCURRENCES"],
    rows.map((r) => [clean(r.name), String(r.incidents), String(r.occurrences)]),
    { width: TABLE_WIDTH - 2, flexColumn: 0, right: [1, 2] },
  );
  return [title, ...table.split("\n").map((l) => `  ${l}`)];
}

export function formatStats(s: IncidentStats): string {
  const max = Math.max(0, ...s.perDay.map((d) => d.incidents));
  const trend = s.perDay.map((d) => `  ${d.day}  ${String(d.incidents).padStart(5)}  ${bar(d.incidents, max, BAR_WIDTH)}`.trimEnd());
  return [
    clean(`Cluster ${s.cluster}: ${s.incidents} incidents${s.partOfOther ? ` (+${s.partOfOther} part of a node OOM)` : ""}, ${s.occurrences} occurrences, first seen ${s.since.slice(0, 16)}Z .. ${s.until.slice(0, 16)}Z`),
    "",
    ...counts(
      "By level",
      Object.entries(s.byLevel).map(([l, n]) => [`Level ${l}`, n]),
    ),
    "",
    ...counts("By kind", Object.entries(s.byKind)),
    "",
    ...ranking("Top workloads", s.topWorkloads),
    "",
    ...ranking("Top nodes", s.topNodes),
    "",
    "Incidents per day (UTC)",
    ...trend,
  ].join("\n");
}
