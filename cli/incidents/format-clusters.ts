/** Output of `oomwatch incidents clusters`: one row per cluster of the data dir. */
import type { ClusterSummary } from "../../shared/storage/queries.ts";
import { TABLE_WIDTH } from "./format-list.ts";
import { clean, renderTable, shortTime } from "./text.ts";

export function formatClusters(clusters: ClusterSummary[], format: "table" | "json"): string {
  if (format === "json") return JSON.stringify(clusters, null, 2);
  if (clusters.length === 0) return "no clusters";
  const rows = clusters.map((c) => [clean(c.cluster), String(c.incidents), String(c.open), shortTime(c.latest)]);
  return renderTable(["CLUSTER", "INCIDENTS", "OPEN", "LATEST (UTC)"], rows, { width: TABLE_WIDTH, flexColumn: 0, right: [1, 2] });
}
