/**
 * Builds and puts the severity events of shared/severity-event.ts: one per new
 * incident and per escalation.
 */
import { PutEventsCommand, type EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { EVENT_SOURCE } from "../../shared/resources.ts";
import { responseMinutes, type Incident, type Level } from "../../shared/schema/incident.ts";
import { type IncidentIdentity, RESOLVED_DETAIL_TYPE, type ResolvedEventDetail, type SeverityEventDetail, severityDetailType } from "../../shared/severity-event.ts";

/** The identity fields every event carries; optional ones only when the incident has them. */
function incidentIdentity(i: Incident): IncidentIdentity {
  return {
    incidentId: i.id,
    level: i.level,
    kind: i.kind,
    cluster: i.cluster,
    ...(i.namespace ? { namespace: i.namespace } : {}),
    ...(i.workload ? { workload: i.workload } : {}),
    ...(i.container ? { container: i.container } : {}),
    ...(i.node ? { node: i.node } : {}),
  };
}

export function severityEventDetail(
  i: Incident,
  change: "new" | "escalated",
  extra: { previousLevel?: Level; runbook?: string | undefined; slack?: { channel: string; ts: string; permalink?: string } },
): SeverityEventDetail {
  return {
    version: 1,
    dedupeKey: `${i.id}:level${i.level}`,
    change,
    ...incidentIdentity(i),
    ...(extra.previousLevel !== undefined ? { previousLevel: extra.previousLevel } : {}),
    responseMinutes: responseMinutes(i.level),
    causes: i.diagnosis.causes,
    escalationReasons: i.escalation.reasons,
    occurrences: i.occurrences,
    firstSeen: i.firstSeen,
    lastSeen: i.lastSeen,
    ...(extra.runbook ? { runbook: extra.runbook } : {}),
    ...(extra.slack ? { slack: extra.slack } : {}),
  };
}

/** Minutes from the first occurrence to the resolution. */
export const resolvedAfterMinutes = (i: Incident): number => Math.max(0, Math.round((Date.parse(i.resolvedAt ?? i.lastSeen) - Date.parse(i.firstSeen)) / 60_000));

export function resolvedEventDetail(i: Incident, slack?: { channel: string; ts: string; permalink?: string }): ResolvedEventDetail {
  return {
    version: 1,
    dedupeKey: `${i.id}:resolved`,
    ...incidentIdentity(i),
    occurrences: i.occurrences,
    firstSeen: i.firstSeen,
    lastSeen: i.lastSeen,
    resolvedAt: i.resolvedAt ?? i.lastSeen,
    durationMinutes: resolvedAfterMinutes(i),
    ...(slack ? { slack } : {}),
  };
}

/** Puts one severity event; a failed entry throws so the record is retried. */
export async function putSeverityEvent(eventbridge: EventBridgeClient, busName: string, detail: SeverityEventDetail): Promise<void> {
  await putEvent(eventbridge, busName, severityDetailType(detail.level), detail);
}

/** Puts the `oomwatch.incident.resolved` event (at-least-once: consumers deduplicate on dedupeKey). */
export async function putResolvedEvent(eventbridge: EventBridgeClient, busName: string, detail: ResolvedEventDetail): Promise<void> {
  await putEvent(eventbridge, busName, RESOLVED_DETAIL_TYPE, detail);
}

async function putEvent(eventbridge: EventBridgeClient, busName: string, detailType: string, detail: object): Promise<void> {
  const res = await eventbridge.send(
    new PutEventsCommand({
      Entries: [{ Source: EVENT_SOURCE, DetailType: detailType, Detail: JSON.stringify(detail), EventBusName: busName, Resources: [] }],
    }),
  );
  if (res.FailedEntryCount) {
    const entry = res.Entries?.find((e) => e.ErrorCode);
    throw new Error(`PutEvents failed: ${entry?.ErrorCode ?? "unknown"} ${entry?.ErrorMessage ?? ""}`.trim());
  }
}
