/**
 * The memory chart of an incident (shared/memory/chart-png.ts) posted into its Slack thread with
 * files.uploadV2. The chart is extra evidence, never a reason to fail the record: without the
 * `files:write` scope (Slack answers `missing_scope`) or with any other permanent error it is
 * skipped with one log line; a transient failure gives the claim back so a later delivery can try.
 * At most one upload per incident revision: the revision is claimed on the stored Slack reference
 * before uploading, so a retried record does not upload twice.
 */
import { incidentChart } from "../../shared/memory/incident-chart.ts";
import type { Incident } from "../../shared/schema/incident.ts";
import { classifySlackError } from "./slack-errors.ts";
import type { SlackPoster } from "./slack-poster.ts";
import type { SlackRef, SlackRefStore } from "./slack-ref.ts";

export interface ChartDeps {
  poster: SlackPoster;
  refs: SlackRefStore;
  warn: (message: string, extra?: Record<string, unknown>) => void;
  count: (metric: string) => void;
}

/** A chart needs a line: at least two samples. Level 0 heads-ups stay one message (no thread). */
export const hasChart = (i: Incident): boolean => i.level > 0 && (i.memoryTrace?.samples.length ?? 0) >= 2;

export type ChartOutcome = "uploaded" | "skipped" | "claimed-elsewhere" | "deferred";

export async function postMemoryChart(deps: ChartDeps, i: Incident, thread: SlackRef, revision: number): Promise<ChartOutcome> {
  if (!hasChart(i)) return "skipped";
  // Claim first: a delivery that loses the claim does not render a PNG it will not upload.
  if (!(await deps.refs.claimChart(i.id, thread.ts, revision))) return "claimed-elsewhere";
  const png = incidentChart(i)!; // hasChart: at least two samples, so there is a chart
  try {
    await deps.poster.uploadToThread(thread, png, `oomwatch-${i.id}-r${revision}.png`, `Memory before the ${i.kind} (working set, request, limit)`);
    deps.count("ChartUploaded");
    return "uploaded";
  } catch (e) {
    const failure = classifySlackError(e);
    if (failure.action === "retry") {
      await deps.refs.releaseChart(i.id, thread.ts, revision, thread.chartRevision);
      deps.warn("memory chart upload failed, a later delivery retries it", { incidentId: i.id, error: failure.code });
      deps.count("ChartDeferred");
      return "deferred";
    }
    deps.warn(failure.code === "missing_scope" ? "memory chart skipped: the Slack token lacks files:write" : "memory chart skipped", {
      incidentId: i.id,
      error: failure.code,
    });
    deps.count("ChartSkipped");
    return "skipped";
  }
}
