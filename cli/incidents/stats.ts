/**
 * `oomwatch incidents stats`: aggregates over the incidents a Query returned
 * (pure, so it is unit-tested without DynamoDB) and draws them for a terminal.
 * Every row it keeps has at least one incident: JSON and table show the same rows.
 */
import type { Incident } from "../../shared/schema/incident.ts";
import { IncidentKindSchema } from "../../shared/schema/occurrence.ts";
import { KIND_ALIASES } from "./kinds.ts";
import { describeClusters } from "./scope.ts";
import { bar, clean, renderTable, shortTime } from "./text.ts";
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
  /** The clusters counted, by name. */
  clusters: string[];
  since: string;
  until: string;
  /** Top-level incidents: node-OOM victims (`partOf`) are part of their node OOM incident, not counted here. */
  incidents: number;
  /** Incidents that are part of another incident (node-OOM victims); their occurrences still count. */
  partOfOther: number;
  occurrences: number;
  /** Incidents per level present (`"0"`..`"3"`), lowest first. */
  byLevel: Record<string, number>;
  /** Incidents per kind present, keyed by the names `--kind` accepts (`oom`, `eviction`, ...). */
  byKind: Record<string, number>;
  topWorkloads: Ranked[];
  topNodes: Ranked[];
  perDay: DayCount[];
}

export type RankBy = "incidents" | "occurrences";

function rank(counts: Map<string, Ranked>, by: RankBy, top: number): Ranked[] {
  const other: RankBy = by === "incidents" ? "occurrences" : "incidents";
  return [...counts.values()]
    .filter((r) => r.incidents > 0) // a node-OOM victim alone is not an incident of its workload
    .sort((a, b) => b[by] - a[by] || b[other] - a[other] || a.name.localeCompare(b.name))
    .slice(0, top);
}

function add(counts: Map<string, Ranked>, name: string, occurrences: number, incidents: number): void {
  const r = counts.get(name) ?? { name, incidents: 0, occurrences: 0 };
  r.incidents += incidents;
  r.occurrences += occurrences;
  counts.set(name, r);
}

export interface StatsOptions {
  clusters: string[];
  since: string;
  until: string;
  top: number;
  by: RankBy;
}

export function computeStats(incidents: Iterable<Incident>, o: StatsOptions): IncidentStats {
  const byLevel = new Map<string, number>();
  const byKind = new Map<string, number>();
  const workloads = new Map<string, Ranked>();
  const nodes = new Map<string, Ranked>();
  const perDay = new Map<string, DayCount>();
  let total = 0;
  let partOfOther = 0;
  let occurrences = 0;
  for (const i of incidents) {
    // Counting incidents counts top-level ones; a victim's OOM kills still count as occurrences.
    const one = i.partOf ? 0 : 1;
    total += one;
    partOfOther += 1 - one;
    occurrences += i.occurrences;
    byLevel.set(`${i.level}`, (byLevel.get(`${i.level}`) ?? 0) + one);
    byKind.set(i.kind, (byKind.get(i.kind) ?? 0) + one);
    if (i.workload) add(workloads, `${i.namespace ?? "?"}/${i.workload.kind}/${i.workload.name}`, i.occurrences, one);
    if (i.node) add(nodes, i.node, i.occurrences, one);
    const dayName = i.firstSeen.slice(0, 10);
    const day = perDay.get(dayName) ?? { day: dayName, incidents: 0, occurrences: 0 };
    day.incidents += one;
    day.occurrences += i.occurrences;
    perDay.set(dayName, day);
  }
  return {
    clusters: o.clusters,
    since: o.since,
    until: o.until,
    incidents: total,
    partOfOther,
    occurrences,
    byLevel: Object.fromEntries(["0", "1", "2", "3"].flatMap((l) => (byLevel.get(l) ? [[l, byLevel.get(l)!]] : []))),
    // Schema order (most severe container trouble first), named as `--kind` accepts them.
    byKind: Object.fromEntries(IncidentKindSchema.options.flatMap((k) => (byKind.get(k) ? [[KIND_ALIASES[k], byKind.get(k)!]] : []))),
    topWorkloads: rank(workloads, o.by, o.top),
    topNodes: rank(nodes, o.by, o.top),
    perDay: [...perDay.values()].filter((d) => d.incidents > 0).sort((a, b) => a.day.localeCompare(b.day)),
  };
}

const BAR_WIDTH = 50;

/** A labelled count with a bar; `max` is the one scale of the whole output, so bars compare across sections. */
function countRow(label: string, labelWidth: number, n: number, max: number): string {
  return `  ${label.padEnd(labelWidth)}  ${String(n).padStart(5)}  ${bar(n, max, BAR_WIDTH)}`.trimEnd();
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

const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** Times as `YYYY-MM-DD HH:MM` UTC (the list's format); days are its date part. */
export function formatStats(s: IncidentStats): string {
  const sections: [string, [string, number][]][] = [
    ["By level", Object.entries(s.byLevel).map(([l, n]) => [`Level ${l}`, n])],
    ["By kind", Object.entries(s.byKind)],
    ["Incidents per day (UTC)", s.perDay.map((d) => [d.day, d.incidents])],
  ];
  const counted = sections.flatMap(([, rows]) => rows);
  const max = Math.max(0, ...counted.map(([, n]) => n));
  const labelWidth = Math.max(0, ...counted.map(([label]) => label.length));
  const drawn = sections.map(([title, rows]) => [title, ...(rows.length ? rows.map(([label, n]) => countRow(label, labelWidth, n, max)) : ["  none"])]);
  const [byLevel, byKind, perDay] = drawn as [string[], string[], string[]];
  return [
    clean(
      `${capitalized(describeClusters(s.clusters))}: ${s.incidents} incidents${s.partOfOther ? ` (+${s.partOfOther} part of a node OOM)` : ""}, ${s.occurrences} occurrences, first seen ${shortTime(s.since)} .. ${shortTime(s.until)} UTC`,
    ),
    "",
    ...byLevel,
    "",
    ...byKind,
    "",
    ...ranking("Top workloads", s.topWorkloads),
    "",
    ...ranking("Top nodes", s.topNodes),
    "",
    ...perDay,
  ].join("\n");
}
