/**
 * Picks the incident of an occurrence's group, opening a new one when the group's
 * last occurrence is older than the grouping window. Optimistic concurrency on the
 * group item: a lost race re-reads and decides again.
 */
import { incidentIdFor, withinGroupWindow } from "../../shared/domain/grouping.ts";
import type { Occurrence } from "../../shared/schema/occurrence.ts";
import { utc } from "../../shared/time.ts";
import { WriteContentionError } from "../../shared/storage/conditions.ts";
import type { PipelineStore } from "../../shared/storage/pipeline-store.ts";

const MAX_ATTEMPTS = 5;

export async function assignIncident(store: PipelineStore, groupKey: string, o: Occurrence, windowMinutes: number): Promise<string> {
  const at = utc(o.occurredAt);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const group = await store.getGroup(groupKey);
    // Late arrivals (older than lastSeen) join the open incident rather than reopen history.
    if (group && withinGroupWindow(group.lastSeen, at, windowMinutes)) {
      if (await store.touchGroup(groupKey, group.incidentId, at)) return group.incidentId;
      continue;
    }
    const incidentId = incidentIdFor(groupKey, o.key);
    const opened = await store.openGroup({ groupKey, incidentId, openedBy: o.key, firstSeen: at, lastSeen: at }, group?.incidentId);
    if (opened) return incidentId;
  }
  throw new WriteContentionError(`group ${groupKey}`, MAX_ATTEMPTS, "too much contention, retry later");
}
