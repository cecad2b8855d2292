/**
 * The sandbox report (`oomwatch sandbox --report FILE`): what the run observed,
 * forwarded, stored and posted. Field names are a contract (issue 6).
 */
import { z } from "zod";

export const SandboxReportSchema = z.object({
  scenario: z.string(),
  /** Occurrences the forwarder saw. */
  observed: z.number().int().nonnegative(),
  /** The same, by incident kind. */
  observedByKind: z.record(z.string(), z.number().int().nonnegative()).optional(),
  /** Occurrences the forwarder sent to the events queue. */
  forwarded: z.number().int().nonnegative(),
  /** Stored incidents by their current level. */
  incidents: z.object({ "0": z.number().int(), "1": z.number().int(), "2": z.number().int(), "3": z.number().int() }),
  slack: z.object({ posted: z.number().int(), updated: z.number().int(), threadReplies: z.number().int() }),
  deadLetters: z.object({ events: z.number().int(), analyze: z.number().int(), notify: z.number().int() }),
  /** From the forwarder seeing an occurrence to the first Slack call for its incident at or after that moment. */
  latencyMs: z.object({ p50: z.number(), p99: z.number() }),
  durationMs: z.number(),
  /** Severity events published to the (local) EventBridge bus. */
  severityEvents: z.number().int().nonnegative().optional(),
});
export type SandboxReport = z.infer<typeof SandboxReportSchema>;

/** Nearest-rank percentile; 0 for an empty sample. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export interface LatencySample {
  /** When the forwarder observed the occurrence (ms since epoch). */
  observedAt: number;
  incidentId: string | undefined;
}

/**
 * Latency of each occurrence: the first Slack call for its incident at or after the
 * moment it was observed. Occurrences whose incident was never touched in Slack
 * after they were seen (plain repeats that only update counts) have no sample.
 */
export function occurrenceLatencies(samples: readonly LatencySample[], slackCalls: ReadonlyMap<string, readonly number[]>): number[] {
  const out: number[] = [];
  for (const s of samples) {
    if (!s.incidentId) continue;
    const calls = slackCalls.get(s.incidentId);
    const first = calls?.find((t) => t >= s.observedAt);
    if (first !== undefined) out.push(first - s.observedAt);
  }
  return out;
}
