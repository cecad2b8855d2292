/**
 * Severity events on EventBridge, one per new incident and per escalation, so
 * ops automation (SSM Automation, paging) can trigger on the level.
 *   source:      "oomwatch"
 *   detail-type: "oomwatch.incident.level1" | "...level2" | "...level3"
 *   detail:      SeverityEventDetail (below)
 * Delivery is at-least-once: consumers deduplicate on `detail.dedupeKey`.
 */
import { PutEventsCommand, type EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { EVENT_SOURCE } from "../resources.ts";
import { RESPONSE_MINUTES, type Incident, type Level } from "../schema/incident.ts";
import type { IncidentKind } from "../schema/occurrence.ts";

export const severityDetailType = (level: Level): string => `oomwatch.incident.level${level}`;

export interface SeverityEventDetail {
  version: 1;
  /** `<incident id>:level<N>`: the same for every delivery of one event. */
  dedupeKey: string;
  change: "new" | "escalated";
  incidentId: string;
  level: Level;
  previousLevel?: Level;
  responseMinutes: number;
  kind: IncidentKind;
  cluster: string;
  namespace?: string;
  workload?: { kind: string; name: string };
  container?: string;
  node?: string;
  causes: string[];
  escalationReasons: string[];
  occurrences: number;
  firstSeen: string;
  lastSeen: string;
  runbook: string;
  slack?: { channel: string; ts: string; permalink?: string };
}

export function severityEventDetail(
  i: Incident,
  change: "new" | "escalated",
  extra: { previousLevel?: Level; runbook: string; slack?: { channel: string; ts: string; permalink?: string } },
): SeverityEventDetail {
  return {
    version: 1,
    dedupeKey: `${i.id}:level${i.level}`,
    change,
    incidentId: i.id,
    level: i.level,
    ...(extra.previousLevel !== undefined ? { previousLevel: extra.previousLevel } : {}),
    responseMinutes: RESPONSE_MINUTES[i.level],
    kind: i.kind,
    cluster: i.cluster,
    ...(i.namespace ? { namespace: i.namespace } : {}),
    ...(i.workload ? { workload: i.workload } : {}),
    ...(i.container ? { container: i.container } : {}),
    ...(i.node ? { node: i.node } : {}),
    causes: i.diagnosis.causes,
    escalationReasons: i.escalation.reasons,
    occurrences: i.occurrences,
    firstSeen: i.firstSeen,
    lastSeen: i.lastSeen,
    runbook: extra.runbook,
    ...(extra.slack ? { slack: extra.slack } : {}),
  };
}

/** Puts one severity event; a failed entry throws so the record is retried. */
export async function putSeverityEvent(eventbridge: EventBridgeClient, busName: string, detail: SeverityEventDetail): Promise<void> {
  const res = await eventbridge.send(
    new PutEventsCommand({
      Entries: [{ Source: EVENT_SOURCE, DetailType: severityDetailType(detail.level), Detail: JSON.stringify(detail), EventBusName: busName, Resources: [] }],
    }),
  );
  if (res.FailedEntryCount) {
    const entry = res.Entries?.find((e) => e.ErrorCode);
    throw new Error(`PutEvents failed: ${entry?.ErrorCode ?? "unknown"} ${entry?.ErrorMessage ?? ""}`.trim());
  }
}
