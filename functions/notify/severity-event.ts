/**
 * Builds and puts the severity events of shared/severity-event.ts: one per new
 * incident and per escalation.
 */
import { PutEventsCommand, type EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { EVENT_SOURCE } from "../../shared/resources.ts";
import { RESPONSE_MINUTES, type Incident, type Level } from "../../shared/schema/incident.ts";
import { type SeverityEventDetail, severityDetailType } from "../../shared/severity-event.ts";

export function severityEventDetail(
  i: Incident,
  change: "new" | "escalated",
  extra: { previousLevel?: Level; runbook?: string | undefined; slack?: { channel: string; ts: string; permalink?: string } },
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
    ...(extra.runbook ? { runbook: extra.runbook } : {}),
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
