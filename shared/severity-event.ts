/**
 * Severity events on EventBridge, one per new incident and per escalation, so
 * ops automation (SSM Automation, paging) can trigger on the level.
 *   source:      "oomwatch"
 *   detail-type: "oomwatch.incident.level1" | "...level2" | "...level3"
 *   detail:      SeverityEventDetail (below)
 * Delivery is at-least-once: consumers deduplicate on `detail.dedupeKey`.
 * This is the contract notify (which puts the events) and infra (whose rules
 * match them) share; functions/notify/severity-event.ts builds and sends them.
 */
import type { Level } from "./schema/incident.ts";
import type { IncidentKind } from "./schema/occurrence.ts";

export const severityDetailType = (level: Level): string => `oomwatch.incident.level${level}`;

/** Which incident an event is about and where it happened: the same fields in every oomwatch event. */
export interface IncidentIdentity {
  incidentId: string;
  level: Level;
  kind: IncidentKind;
  cluster: string;
  namespace?: string;
  workload?: { kind: string; name: string };
  container?: string;
  node?: string;
}

export interface SeverityEventDetail extends IncidentIdentity {
  version: 1;
  /** `<incident id>:level<N>`: the same for every delivery of one event. */
  dedupeKey: string;
  change: "new" | "escalated";
  previousLevel?: Level;
  /** Absent for Level 0 (early warning, no page). */
  responseMinutes?: number;
  causes: string[];
  escalationReasons: string[];
  occurrences: number;
  firstSeen: string;
  lastSeen: string;
  /** Link to the level's runbook; absent when RUNBOOK_BASE_URL is not configured. */
  runbook?: string;
  slack?: { channel: string; ts: string; permalink?: string };
}

/** Detail type of the event notify puts once an incident is resolved and Slack shows it. */
export const RESOLVED_DETAIL_TYPE = "oomwatch.incident.resolved";

export interface ResolvedEventDetail extends IncidentIdentity {
  version: 1;
  /** `<incident id>:resolved`. */
  dedupeKey: string;
  occurrences: number;
  firstSeen: string;
  lastSeen: string;
  resolvedAt: string;
  /** From the first occurrence to the resolution. */
  durationMinutes: number;
  slack?: { channel: string; ts: string; permalink?: string };
}
