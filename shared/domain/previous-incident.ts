/**
 * "3rd incident for this container in 7 days (previous: <id>, resolved 2026-11-28 14:02 UTC)":
 * how a new incident names the earlier ones of its group (the record's `previous`, filled by
 * analyze on the opening analysis: functions/analyze/previous-incident.ts). One wording for
 * the Slack parent and `oomwatch incidents show`.
 */
import type { Incident } from "../schema/incident.ts";
import { isContainerKind } from "./classify.ts";

/** How far back earlier incidents of the group are counted. */
export const PREVIOUS_INCIDENT_DAYS = 7;

/** English ordinal: 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 22nd, 101st, 111th. */
export function ordinal(n: number): string {
  const lastTwo = n % 100;
  if (lastTwo >= 11 && lastTwo <= 13) return `${n}th`;
  const suffix: Record<number, string> = { 1: "st", 2: "nd", 3: "rd" };
  return `${n}${suffix[n % 10] ?? "th"}`;
}

/** `2026-11-28 14:02 UTC`: minutes are enough to find the earlier incident. */
export function minuteUtc(iso: string): string {
  return `${new Date(iso).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** Container groups (OOMs and their warnings) are about a container; every other group about a node. */
function groupSubject(kind: Incident["kind"]): "container" | "node" {
  return isContainerKind(kind) ? "container" : "node";
}

/** The line naming the previous incident, or undefined for the first incident of its group. */
export function previousIncidentLine(i: Pick<Incident, "kind" | "previous">): string | undefined {
  const p = i.previous;
  if (!p) return undefined;
  const when = p.resolvedAt ? `, resolved ${minuteUtc(p.resolvedAt)}` : ", not resolved yet";
  return `${ordinal(p.countLast7Days)} incident for this ${groupSubject(i.kind)} in ${PREVIOUS_INCIDENT_DAYS} days (previous: ${p.incidentId}${when})`;
}
