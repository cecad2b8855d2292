/**
 * The memory-history lines of the Slack messages (docs/notify.md "Memory history"): the sparkline
 * of the incident's trace, how long before the kill the container was warned, and for Level 0 the
 * current state (%, trend, time to the limit at this rate) read from the trace itself, so the
 * heads-up shows the numbers of the latest occurrence the incident keeps.
 */
import { describeEarlyWarning, memoryState, warningOf } from "../../shared/memory/early-warning.ts";
import { warningLeadSeconds } from "../../shared/memory/incident-chart.ts";
import { formatDuration, sparkline } from "../../shared/memory/sparkline.ts";
import type { Incident } from "../../shared/schema/incident.ts";
import { escapeMrkdwn, slackDate } from "./mrkdwn.ts";

/** `▁▂▃▅▆▇█ 41% → 100% in 14 min`, or undefined without samples. */
export function sparklineLine(i: Incident): string | undefined {
  const line = i.memoryTrace ? sparkline(i.memoryTrace) : undefined;
  return line ? `:chart_with_upwards_trend: ${escapeMrkdwn(line)}` : undefined;
}

/** "Warned 12 min before the kill" (shared/memory/incident-chart.ts measures it). */
function warnedLine(i: Incident): string | undefined {
  const lead = warningLeadSeconds(i);
  if (lead === undefined || !i.warnedAt) return undefined;
  return `:hourglass: Warned ${formatDuration(lead)} before the kill (Level 0 early warning since ${slackDate(i.warnedAt)}).`;
}

/** The sparkline and the warning lead time, whichever are known (for the OOM parent message). */
export function memoryLines(i: Incident): string[] {
  return [sparklineLine(i), warnedLine(i)].filter((l): l is string => l !== undefined);
}

/** Level 0: the newest sample against the limit (allocatable for nodes), the recent trend and the time to the limit. */
export function currentState(i: Incident): string | undefined {
  const state = i.memoryTrace ? memoryState(i.memoryTrace) : undefined;
  if (!state) return undefined;
  const target = i.kind === "NodeMemoryHigh" ? "node" : "container";
  return describeEarlyWarning(warningOf(target, state, `${target}-warning`, "warning", state.atEpochSeconds));
}
