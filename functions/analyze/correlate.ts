/**
 * Node OOM correlation, from the node log ingest keeps per node. Symmetric, so both
 * arrival orders end the same: a container OOM incident within the window of a SystemOOM /
 * OOMKilling on its node is a victim of that node OOM (its incident keeps its own
 * level and gets `partOf` the node incident), and the node OOM incident (Level 3)
 * lists every victim with the victim's incident id.
 */
import type { Victim } from "../../shared/schema/incident.ts";
import type { MemberSummary } from "../../shared/domain/members.ts";
import type { AnalysisContext } from "../../shared/domain/context.ts";
import type { NodeLogEntry } from "../../shared/storage/pipeline-items.ts";
import type { PipelineStore } from "../../shared/storage/pipeline-store.ts";
import { shiftIso } from "../../shared/time.ts";

/** Where and when an incident happened: the nodes its occurrences ran on, its first and last occurrence. */
export type IncidentSpan = Pick<MemberSummary, "nodes" | "firstSeen" | "lastSeen">;

/**
 * Node-log entries of `kind` within the window around the incident's span, on every node it ran
 * on. From the incident's running tally, not its members: the cost does not grow with the incident.
 */
async function entriesNear(
  store: PipelineStore,
  cluster: string,
  span: IncidentSpan,
  kind: NodeLogEntry["kind"],
  windowMs: number,
): Promise<(NodeLogEntry & { node: string })[]> {
  const out: (NodeLogEntry & { node: string })[] = [];
  for (const node of span.nodes) {
    // Node OOMs have their own partition: a container OOM's check does not read every container OOM on the node.
    const entries = await store.queryNodeLog(cluster, node, shiftIso(span.firstSeen, -windowMs), shiftIso(span.lastSeen, windowMs), kind === "NodeOOM");
    for (const e of entries) if (e.kind === kind) out.push({ ...e, node });
  }
  return out;
}

/** The node OOM a container OOM incident was part of, and the node OOM occurrence that links them. */
export async function nodeOomNear(
  store: PipelineStore,
  cluster: string,
  span: IncidentSpan,
  windowMs: number,
): Promise<{ nodeOom: NonNullable<AnalysisContext["nodeOom"]>; occurrenceKey: string } | undefined> {
  const [hit] = await entriesNear(store, cluster, span, "NodeOOM", windowMs);
  return hit ? { nodeOom: { incidentId: hit.incidentId, node: hit.node, process: hit.process, at: hit.occurredAt }, occurrenceKey: hit.key } : undefined;
}

export async function victimsOf(store: PipelineStore, cluster: string, span: IncidentSpan, windowMs: number) {
  const entries = await entriesNear(store, cluster, span, "ContainerOOM", windowMs);
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
