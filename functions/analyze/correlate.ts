/**
 * Node OOM correlation, from the node log ingest keeps per node. Symmetric, so both
 * arrival orders end the same: a container OOM within the window of a SystemOOM /
 * OOMKilling on its node is a victim of that node OOM (its incident keeps its own
 * level and gets `partOf` the node incident), and the node OOM incident (Level 3)
 * lists every victim with the victim's incident id.
 */
import type { Victim } from "../../shared/schema/incident.ts";
import type { Member } from "../../shared/domain/members.ts";
import type { NodeLogEntry } from "../../shared/storage/pipeline-items.ts";
import type { PipelineStore } from "../../shared/storage/pipeline-store.ts";
import { shiftIso } from "../../shared/time.ts";

const near = (a: string, b: string, ms: number) => Math.abs(Date.parse(a) - Date.parse(b)) <= ms;

/** Node-log entries of `kind` within the window of any member, over every node the members ran on. */
async function entriesNear(
  store: PipelineStore,
  cluster: string,
  members: Member[],
  kind: NodeLogEntry["kind"],
  windowMs: number,
): Promise<(NodeLogEntry & { node: string })[]> {
  const byNode = new Map<string, Member[]>();
  for (const m of members) if (m.node) byNode.set(m.node, [...(byNode.get(m.node) ?? []), m]);
  const out: (NodeLogEntry & { node: string })[] = [];
  for (const [node, ms] of byNode) {
    const times = ms.map((m) => m.occurredAt).sort();
    // Node OOMs have their own partition: a container OOM's check does not read every container OOM on the node.
    const entries = await store.queryNodeLog(cluster, node, shiftIso(times[0]!, -windowMs), shiftIso(times[times.length - 1]!, windowMs), kind === "NodeOOM");
    for (const e of entries) if (e.kind === kind && ms.some((m) => near(m.occurredAt, e.occurredAt, windowMs))) out.push({ ...e, node });
  }
  return out;
}

export async function nodeOomNear(store: PipelineStore, cluster: string, members: Member[], windowMs: number) {
  const [hit] = await entriesNear(store, cluster, members, "NodeOOM", windowMs);
  return hit ? { incidentId: hit.incidentId, node: hit.node, process: hit.process, at: hit.occurredAt } : undefined;
}

export async function victimsOf(store: PipelineStore, cluster: string, members: Member[], windowMs: number) {
  const entries = await entriesNear(store, cluster, members, "ContainerOOM", windowMs);
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
