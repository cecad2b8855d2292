/**
 * Node OOM correlation, from the node log ingest keeps per node. Symmetric, so both
 * arrival orders end the same: a container OOM within the window of a SystemOOM /
 * OOMKilling on its node is a victim of that node OOM (its incident keeps its own
 * level and gets `partOf` the node incident), and the node OOM incident (Level 3)
 * lists every victim with the victim's incident id. "Within the window" is per kill: a
 * long incident is not linked to a node OOM that happened between its kills.
 */
import type { Victim } from "../../shared/schema/incident.ts";
import type { MemberSummary } from "../../shared/domain/members.ts";
import type { AnalysisContext } from "../../shared/domain/context.ts";
import type { NodeLogEntry } from "../../shared/storage/pipeline-items.ts";
import type { PipelineStore } from "../../shared/storage/pipeline-store.ts";
import { shiftIso } from "../../shared/time.ts";

/** Where and when an incident happened: the nodes its occurrences ran on, its first and last occurrence. */
export type IncidentSpan = Pick<MemberSummary, "nodes" | "firstSeen" | "lastSeen">;

type NodeEntry = NodeLogEntry & { node: string };

/** Whether `iso` is within `windowMs` of one of `times`. */
const nearAny = (iso: string, times: readonly string[], windowMs: number): boolean => {
  const t = Date.parse(iso);
  return times.some((x) => Math.abs(Date.parse(x) - t) <= windowMs);
};

/**
 * Node-log entries of `kind` within the window around [from, to], on each of `nodes`. From the
 * incident's running tally, not its members: the cost does not grow with the incident.
 */
async function entriesBetween(store: PipelineStore, cluster: string, nodes: readonly string[], from: string, to: string, kind: NodeLogEntry["kind"]): Promise<NodeEntry[]> {
  const out: NodeEntry[] = [];
  for (const node of nodes) {
    // Node OOMs have their own partition: a container OOM's check does not read every container OOM on the node.
    const entries = await store.queryNodeLog(cluster, node, from, to, kind === "NodeOOM");
    for (const e of entries) if (e.kind === kind) out.push({ ...e, node });
  }
  return out;
}

/** Entries of `kind` on `nodes` within `windowMs` of one of `times` (sorted ISO times, at least one). */
async function entriesNear(store: PipelineStore, cluster: string, nodes: readonly string[], times: readonly string[], kind: NodeLogEntry["kind"], windowMs: number) {
  const entries = await entriesBetween(store, cluster, nodes, shiftIso(times[0]!, -windowMs), shiftIso(times.at(-1)!, windowMs), kind);
  return entries.filter((e) => nearAny(e.occurredAt, times, windowMs));
}

/**
 * The node OOM a container OOM incident was part of, and the node OOM occurrence that links them.
 * `oomTimes`: the incident's kill times (the tally's, already loaded); `at`: the analysed
 * occurrence's time, always checked (a correlation re-analysis brings an occurrence the tally may
 * no longer list).
 */
export async function nodeOomNear(
  store: PipelineStore,
  cluster: string,
  span: IncidentSpan & { oomTimes: readonly string[] },
  at: string,
  windowMs: number,
): Promise<{ nodeOom: NonNullable<AnalysisContext["nodeOom"]>; occurrenceKey: string } | undefined> {
  const times = [...new Set([...span.oomTimes, at])].sort();
  const [hit] = await entriesNear(store, cluster, span.nodes, times, "NodeOOM", windowMs);
  return hit ? { nodeOom: { incidentId: hit.incidentId, node: hit.node, process: hit.process, at: hit.occurredAt }, occurrenceKey: hit.key } : undefined;
}

/** The container OOMs within the window of one of the node OOM incident's node OOMs, one victim per container. */
export async function victimsOf(store: PipelineStore, cluster: string, span: IncidentSpan, windowMs: number) {
  const nodeOoms = await entriesBetween(store, cluster, span.nodes, span.firstSeen, span.lastSeen, "NodeOOM");
  const entries: NodeEntry[] = [];
  for (const node of span.nodes) {
    const times = nodeOoms.filter((e) => e.node === node).map((e) => e.occurredAt);
    if (times.length > 0) entries.push(...(await entriesNear(store, cluster, [node], times.sort(), "ContainerOOM", windowMs)));
  }
  const victims: Victim[] = [];
  const seen = new Set<string>();
  for (const e of entries) {
    const id = `${e.namespace}/${e.pod}/${e.container}`;
    if (seen.has(id)) continue;
    seen.add(id);
    victims.push({ namespace: e.namespace ?? "", pod: e.pod ?? "", ...(e.container ? { container: e.container } : {}), incidentId: e.incidentId });
  }
  return { victims, entries };
}
