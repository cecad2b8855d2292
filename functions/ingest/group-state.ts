/**
 * Picks the incident of an occurrence's group, opening a new one when the group's
 * last occurrence is older than the grouping window. Optimistic concurrency on the
 * group item: a lost race re-reads and decides again, with backoff, within the
 * invocation's time (shared/contention-retry.ts).
 */
import { incidentIdFor, withinGroupWindow } from "../../shared/domain/grouping.ts";
import type { Occurrence } from "../../shared/schema/occurrence.ts";
import { utc } from "../../shared/time.ts";
import { LOST, retryOnContention } from "../../shared/contention-retry.ts";
import type { PipelineStore } from "../../shared/storage/pipeline-store.ts";

export async function assignIncident(store: PipelineStore, groupKey: string, o: Occurrence, windowMinutes: number): Promise<string> {
  const at = utc(o.occurredAt);
  return retryOnContention(
    async () => {
      const group = await store.getGroup(groupKey);
      // Late arrivals (older than lastSeen) join the open incident rather than reopen history.
      if (group && withinGroupWindow(group.lastSeen, at, windowMinutes)) {
        return (await store.touchGroup(groupKey, group.incidentId, at)) ? group.incidentId : LOST;
      }
      const incidentId = incidentIdFor(groupKey, o.key);
      const opened = await store.openGroup({ groupKey, incidentId, openedBy: o.key, firstSeen: at, lastSeen: at }, group?.incidentId);
      return opened ? incidentId : LOST;
    },
    { subject: `group ${groupKey}` },
  );
}
