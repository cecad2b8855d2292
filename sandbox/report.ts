/**
 * The sandbox report (`oomwatch sandbox --report FILE`): what the run observed,
 * forwarded, stored and posted. Field names are a contract (issue 6).
 */
import * as z from "zod";

const ids = z.array(z.string());

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
  /** The ids of those incidents, by their current level (for `oomwatch incidents show`). */
  incidentIds: z.object({ "0": ids, "1": ids, "2": ids, "3": ids }),
  /**
   * The scenario's `expect:` check (each failure as the sandbox prints it). A replay, a cluster or a
   * scenario without `expect:` has nothing to miss: met, no failures.
   */
  expectations: z.object({ met: z.boolean(), failures: z.array(z.string()) }),
  slack: z.object({
    posted: z.number().int(),
    updated: z.number().int(),
    threadReplies: z.number().int(),
    /** Visible characters of the longest top-level message version posted (edits included): a parent must fit one screen. */
    longestParent: z.number().int().nonnegative().optional(),
  }),
  deadLetters: z.object({ events: z.number().int(), analyze: z.number().int(), notify: z.number().int() }),
  /**
   * From the forwarder seeing an occurrence to the pipeline's last action for it: ingest's decision
   * that nothing is posted, or the notify record its analysis led to (see occurrenceLatency).
   * `opening`: occurrences that opened their incident; `repeat`: the others.
   */
  latencyMs: z.object({
    p50: z.number(),
    p99: z.number(),
    opening: z.object({ p50: z.number(), p99: z.number() }).optional(),
    repeat: z.object({ p50: z.number(), p99: z.number() }).optional(),
  }),
  durationMs: z.number(),
  /** Incidents the resolver closed during the run (the sandbox skips the quiet window once the scenario is over). */
  resolved: z.number().int().nonnegative().optional(),
  /** Severity events published to the (local) EventBridge bus. */
  severityEvents: z.number().int().nonnegative().optional(),
  /** Records the Lambda runner received more than once; those that came back only after a visibility timeout; the longest wait of a failed record. */
  redeliveries: z.object({ redelivered: z.number().int(), afterVisibilityTimeout: z.number().int(), maxWaitMs: z.number() }).optional(),
});
export type SandboxReport = z.infer<typeof SandboxReportSchema>;
/** What the pipeline measures; the run adds the scenario's expectations. */
export type PipelineReport = Omit<SandboxReport, "expectations">;

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
  /** The occurrence opened its incident (else it is a repeat). */
  opened?: boolean;
  /** When ingest took its last action: no analysis requested (OccurrenceMarker.doneAt, ms). */
  doneAt?: number;
  /** When analyze handled its analysis request successfully (ms): notify's record for the incident follows. */
  analyzedAt?: number;
}

/**
 * Latency of one occurrence, to the pipeline's last action for it: ingest's `doneAt` when it
 * requested no analysis; else the first notify record handled for its incident at or after its
 * analysis (every analysis sends one; notify posts, updates, replies or drops it). Undefined when
 * that has not happened (yet).
 */
export function occurrenceLatency(s: LatencySample, notifiedAt: ReadonlyMap<string, readonly number[]>): number | undefined {
  if (s.doneAt !== undefined) return s.doneAt - s.observedAt;
  if (!s.incidentId) return undefined;
  const from = s.analyzedAt ?? s.observedAt;
  const first = notifiedAt.get(s.incidentId)?.find((t) => t >= from);
  return first === undefined ? undefined : first - s.observedAt;
}

/** Overall, opening and repeat percentiles of the occurrences' latencies. */
export function latencySummary(samples: readonly LatencySample[], notifiedAt: ReadonlyMap<string, readonly number[]>): SandboxReport["latencyMs"] {
  const all: number[] = [];
  const opening: number[] = [];
  const repeat: number[] = [];
  for (const s of samples) {
    const ms = occurrenceLatency(s, notifiedAt);
    if (ms === undefined) continue;
    all.push(ms);
    (s.opened ? opening : repeat).push(ms);
  }
  const p = (values: number[]) => ({ p50: percentile(values, 50), p99: percentile(values, 99) });
  return { ...p(all), opening: p(opening), repeat: p(repeat) };
}
