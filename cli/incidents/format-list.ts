/** Output of `oomwatch incidents list`: table (default), json, csv. */
import type { Incident } from "../../shared/schema/incident.ts";
import { KIND_ALIASES } from "./kinds.ts";
import { clean, renderTable, shortTime } from "./text.ts";

export const LIST_FORMATS = ["table", "json", "csv"] as const;
export type ListFormat = (typeof LIST_FORMATS)[number];

/** Terminal width the table must fit in. */
export const TABLE_WIDTH = 100;


/** Where it happened, in one short cell: `payments/api [server]` or `node/ip-10-0-1-5`. */
export function incidentTarget(i: Incident): string {
  const container = i.container ? ` [${i.container}]` : "";
  if (i.namespace && i.workload) return `${i.namespace}/${i.workload.name}${container}`;
  if (i.node && (i.kind === "NodeOOM" || i.kind === "NodeMemoryPressure" || !i.namespace)) return `node/${i.node}`;
  return `${i.namespace ?? "?"}/${i.pods[0] ?? "?"}${container}`;
}

/** WHERE cell; a node-OOM victim leads with the incident it is part of, so a cut keeps the link. */
function whereCell(i: Incident): string {
  return i.partOf ? `↳ part of ${i.partOf.incidentId}: ${incidentTarget(i)}` : incidentTarget(i);
}

export interface TableOptions {
  /** Add a CLUSTER column (the list covers several clusters). */
  clusterColumn?: boolean;
}

export function formatTable(incidents: Incident[], o: TableOptions = {}): string {
  if (incidents.length === 0) return "no incidents";
  const rows = incidents.map((i) => [
    shortTime(i.firstSeen),
    `L${i.level}`,
    KIND_ALIASES[i.kind],
    String(i.occurrences),
    ...(o.clusterColumn ? [clean(i.cluster)] : []),
    clean(whereCell(i)),
    clean(i.id),
  ]);
  const headers = ["FIRST SEEN (UTC)", "LVL", "KIND", "OCC", ...(o.clusterColumn ? ["CLUSTER"] : []), "WHERE", "ID"];
  return renderTable(headers, rows, { width: TABLE_WIDTH, flexColumn: headers.indexOf("WHERE"), right: [3] });
}

/** The incident records exactly as IncidentSchema defines them. */
export function formatJson(incidents: Incident[]): string {
  return JSON.stringify(incidents, null, 2);
}

const CSV_COLUMNS: [string, (i: Incident) => string | number | undefined][] = [
  ["id", (i) => i.id],
  ["level", (i) => i.level],
  ["kind", (i) => i.kind],
  ["cluster", (i) => i.cluster],
  ["namespace", (i) => i.namespace],
  ["workloadKind", (i) => i.workload?.kind],
  ["workloadName", (i) => i.workload?.name],
  ["container", (i) => i.container],
  ["node", (i) => i.node],
  ["occurrences", (i) => i.occurrences],
  ["firstSeen", (i) => i.firstSeen],
  ["lastSeen", (i) => i.lastSeen],
  ["causes", (i) => i.diagnosis.causes.join(";")],
  ["summary", (i) => i.diagnosis.summary],
  ["slackPermalink", (i) => i.slack?.permalink],
  ["partOf", (i) => i.partOf?.incidentId],
];

/** RFC 4180 field; text that a spreadsheet would run as a formula is prefixed with `'`. */
export function csvField(value: string | number | undefined): string {
  if (value === undefined) return "";
  if (typeof value === "number") return String(value);
  // Terminal escapes have no place in a data file that may be `cat`ed; line breaks are kept (quoted).
  const safe = value.replace(/[^\P{Cc}\n]/gu, "?");
  const text = /^[=+\-@]/.test(safe) ? `'${safe}` : safe;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function formatCsv(incidents: Incident[]): string {
  const header = CSV_COLUMNS.map(([name]) => name).join(",");
  const rows = incidents.map((i) => CSV_COLUMNS.map(([, get]) => csvField(get(i))).join(","));
  return [header, ...rows].join("\n");
}

export function formatList(incidents: Incident[], format: ListFormat, table: TableOptions = {}): string {
  if (format === "json") return formatJson(incidents);
  if (format === "csv") return formatCsv(incidents);
  return formatTable(incidents, table);
}
