/**
 * The memory chart and the warning lead time of an incident, shared by notify (Slack thread) and
 * the CLI (`incidents show --chart`), so both draw the same picture from the same record.
 */
import type { Incident } from "../schema/incident.ts";
import { renderMemoryChart } from "./chart-png.ts";

/**
 * PNG of the incident's trace, with the newest occurrence (the kill, eviction or node OOM whose
 * trace the incident keeps) marked; Level 0 marks nothing (nothing was killed). Undefined with
 * fewer than two samples: no line to draw.
 */
export function incidentChart(i: Pick<Incident, "level" | "lastSeen" | "memoryTrace">): Buffer | undefined {
  const trace = i.memoryTrace;
  if (!trace || trace.samples.length < 2) return undefined;
  return renderMemoryChart(trace, i.level > 0 ? { killAtEpochSeconds: Math.floor(Date.parse(i.lastSeen) / 1000) } : {});
}

/**
 * Seconds from the first Level 0 warning to the first kill after it (the incident's first kill,
 * or its newest when the warning came between kills); undefined without a warning before a kill.
 */
export function warningLeadSeconds(i: Pick<Incident, "level" | "warnedAt" | "firstSeen" | "lastSeen">): number | undefined {
  if (!i.warnedAt || i.level === 0) return undefined;
  const warned = Date.parse(i.warnedAt);
  const kill = Date.parse(i.firstSeen) >= warned ? Date.parse(i.firstSeen) : Date.parse(i.lastSeen);
  return kill >= warned ? (kill - warned) / 1000 : undefined;
}
