/**
 * The ingest protocol for one valid occurrence (docs/pipeline.md "Ingest protocol"):
 *
 * 1. occurrence marker `done`        -> duplicate, nothing to do
 * 2. no marker: pick the group's incident and count the occurrence in its running tally
 *    (group item, conditional; with the batch's other occurrences of the group), then claim
 *    the marker (`assigned`, conditional put: the first claim wins for good)
 * 3. member item under the incident, node log / cluster eviction entries (idempotent puts)
 * 4. nothing more while the incident's first analysis is pending (it counts this member);
 *    else the trigger from the tally; analyze request, or move stored counts forward
 * 5. marker -> `done`
 * A crash anywhere repeats steps 2-5 with the same incident id and the same members; the
 * group item remembers the occurrence as counted, so counts come out the same. A resumed
 * occurrence always re-triggers analyze (analyze is idempotent), because the crashed attempt
 * may not have sent it.
 */
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { Logger } from "@aws-lambda-powertools/logger";
import { groupOf, incidentIdFor, nodeOf, notMemoryReason } from "../../shared/domain/grouping.ts";
import { emptyTally, summaryOf } from "../../shared/domain/incident-tally.ts";
import { memberOf } from "../../shared/domain/members.ts";
import { isPressureCleared, pressureChangeOf } from "../../shared/domain/node-pressure.ts";
import type { EscalationPolicy } from "../../shared/domain/policy.ts";
import type { AnalyzeRequest } from "../../shared/schema/incident.ts";
import type { Occurrence } from "../../shared/schema/occurrence.ts";
import type { PipelineStore } from "../../shared/storage/pipeline-store.ts";
import { recordNodePressure } from "../../shared/storage/node-pressure.ts";
import type { Assignment } from "./group-state.ts";
import type { IngestBatch } from "./ingest-batch.ts";
import { classifiedLevel, decideTrigger, needsWindowCounts, type Trigger, type TriggerInput } from "./trigger.ts";

export interface IngestContext {
  store: PipelineStore;
  sqs: SQSClient;
  analyzeQueueUrl: string;
  policy: EscalationPolicy;
  now: () => Date;
  logger?: Logger;
}

export type IngestOutcome =
  | { status: "ignored"; reason: string }
  | { status: "duplicate"; incidentId: string }
  /** A node's MemoryPressure cleared (shared/domain/node-pressure.ts): recorded for the resolver, not an occurrence. */
  | { status: "pressure-cleared"; node?: string }
  /** `occurrences`: the incident's count, undefined when it was not counted here (first analysis pending, or resumed). */
  | { status: "grouped"; incidentId: string; occurrences?: number; trigger?: Trigger };

export async function ingestOccurrence(c: IngestContext, batch: IngestBatch, o: Occurrence): Promise<IngestOutcome> {
  // The node's pressure state, for the resolver (node incidents stay open while it is True).
  // Recording it again on a redelivery is a no-op, so it comes before the duplicate check.
  const pressure = pressureChangeOf(o);
  const pressureNode = nodeOf(o);
  if (pressure && pressureNode) await recordNodePressure(c.store.doc, c.store.tableName, { cluster: o.cluster, node: pressureNode, ...pressure });
  // A cleared signal is not an occurrence: nothing is counted, grouped or posted for it.
  if (isPressureCleared(o)) return { status: "pressure-cleared", node: pressureNode };
  const ignored = notMemoryReason(o);
  if (ignored) return { status: "ignored", reason: ignored };
  const { store, policy } = c;
  const group = groupOf(o);
  let marker = await batch.marker(o.key, group.key);
  if (marker?.state === "done") return { status: "duplicate", incidentId: marker.incidentId };
  let resumed = marker !== undefined;
  let tally: Assignment | undefined;
  if (!marker) {
    const assignment = await batch.assign(group.key, o);
    const claim = await store.claimOccurrence({
      key: o.key,
      incidentId: assignment.incidentId,
      groupKey: group.key,
      state: "assigned",
      occurredAt: o.occurredAt,
      body: JSON.stringify(o),
    });
    // The same occurrence is being ingested by another delivery right now: that one
    // finishes it (or fails and is retried by SQS, resuming from its marker).
    if (!claim.won) return { status: "duplicate", incidentId: claim.marker.incidentId };
    marker = claim.marker;
    // Counted by an attempt that crashed before its claim: it may not have sent its trigger either.
    if (assignment.counted) tally = assignment;
    else resumed = true;
  }
  const incidentId = marker.incidentId;
  const member = memberOf(o);
  const node = nodeOf(o);
  // Member, node log and cluster eviction entries: idempotent puts, in one BatchWrite with the batch's others.
  await batch.put([
    store.memberItem(incidentId, member),
    ...(node && (o.kind === "NodeOOM" || o.kind === "ContainerOOM")
      ? store.nodeLogItems(o.cluster, node, {
          key: o.key,
          kind: o.kind,
          occurredAt: member.occurredAt,
          incidentId,
          namespace: member.namespace,
          pod: member.pod,
          container: member.container,
          process: member.process,
        })
      : []),
    ...(o.kind === "PodEviction" ? [store.clusterEvictionItem(o.cluster, o.key, o.occurredAt)] : []),
  ]);

  const opened = incidentId === incidentIdFor(group.key, o.key);
  // Opening and resumed occurrences trigger whatever the level: no read. The others start from a
  // lower bound of the stored level (a level read by an earlier batch, level-floors.ts).
  const floor = opened || resumed ? undefined : await batch.levelAtLeast(incidentId);
  if (!opened && !resumed && floor === undefined) {
    // Not analysed yet: no trigger and no stored counts to move (decideTrigger); the pending first
    // analysis counts this member (docs/pipeline.md).
    await batch.done(marker, c.now().toISOString());
    c.logger?.info("occurrence grouped", { occurrenceKey: o.key, kind: o.kind, incidentId, trigger: "none (first analysis pending)" });
    return { status: "grouped", incidentId };
  }
  // A resumed occurrence was counted by its crashed attempt: its trigger does not depend on the tally.
  const before = tally?.before ?? emptyTally();
  const summary = summaryOf(tally?.after ?? emptyTally(), o.kind);
  const correlationMs = policy.correlationWindowSeconds * 1000;
  const decideAt = async (storedLevel: number | undefined) => {
    const windowCounts = needsWindowCounts({ opened, resumed, storedLevel });
    const nodeOomNearby = windowCounts && o.kind === "ContainerOOM" && node !== undefined ? await batch.nodeOomNear(o.cluster, node, o.occurredAt, correlationMs) : false;
    // Only compared with the threshold: counting past it would read every eviction of the storm.
    const clusterEvictionsInWindow =
      windowCounts && o.kind === "PodEviction" ? await batch.clusterEvictions(o.cluster, summary.lastSeen) : undefined;
    const input: TriggerInput = { occurrence: o, member, before, summary, opened, resumed, storedLevel, clusterEvictionsInWindow, nodeOomNearby, policy };
    return { input, trigger: decideTrigger(input) };
  };
  let decision = await decideAt(floor);
  // No trigger at the floor means none at the stored level (at least as high; decideTrigger only
  // triggers on a level below the numbers, or not at all at the top). A trigger is confirmed with
  // the level stored now, which analyze may have raised since the floor was read (undefined: the
  // item is gone, and the count update below finds nothing to update).
  if (decision.trigger && !opened && !resumed) {
    const stored = await batch.level(incidentId);
    if (stored !== floor) decision = await decideAt(stored);
  }
  const { trigger } = decision;
  if (trigger) {
    const request: AnalyzeRequest = { version: 1, incidentId, trigger, occurrence: o };
    await c.sqs.send(new SendMessageCommand({ QueueUrl: c.analyzeQueueUrl, MessageBody: JSON.stringify(request) }));
    // Later occurrences at the same level wait for this analysis instead of asking again (level-floors.ts).
    if (!opened && !resumed) batch.requested(incidentId, classifiedLevel(decision.input));
  } else {
    const { occurrences, lastSeen, pods, containers, evictedPods } = summary;
    await batch.advance(incidentId, { occurrences, lastSeen, pods, containers, evictions: evictedPods.length });
  }
  // Without a trigger this is the occurrence's last action: nothing is posted for it.
  await batch.done(marker, trigger ? undefined : c.now().toISOString());
  const occurrences = tally ? summary.occurrences : undefined;
  c.logger?.info("occurrence grouped", { occurrenceKey: o.key, kind: o.kind, incidentId, occurrences, trigger: trigger ?? "none" });
  return { status: "grouped", incidentId, occurrences, trigger };
}
