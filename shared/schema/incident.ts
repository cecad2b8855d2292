/**
 * The incident record (stored by analyze, read by notify and `oomwatch incidents`)
 * and the messages that travel between the functions.
 */
import * as z from "./zod.ts";
import { nonNegativeInt as count } from "./zod.ts";
import {
  IncidentKindSchema,
  NodeSnapshotSchema,
  OccurrenceSchema,
  OwnerRefSchema,
  PodSnapshotSchema,
} from "./occurrence.ts";
import { MemoryTraceSchema } from "./memory.ts";

/** Level 0 is an early warning (no page); 1–3 are the runbook levels. */
export const LevelSchema = z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]);
export type Level = z.infer<typeof LevelSchema>;

const isoTime = z.iso.datetime({ offset: true });
const optionalString = () => z.optional(z.string());
const optionalNumber = () => z.optional(z.number());
/** Request and limit in bytes, `{}` when absent. */
const requestLimit = () => z._default(z.object({ requestBytes: optionalNumber(), limitBytes: optionalNumber() }), {});

export const EscalationStepSchema = z.object({
  from: LevelSchema,
  to: LevelSchema,
  reason: z.string(),
  at: isoTime,
});

export const RecommendationSchema = z.object({
  /** One line a human can act on. */
  summary: z.string(),
  container: optionalString(),
  current: requestLimit(),
  proposed: requestLimit(),
  resultingQos: z.optional(z.enum(["Guaranteed", "Burstable", "BestEffort"])),
  /** Runtime settings, e.g. { JAVA_TOOL_OPTIONS: "-XX:MaxRAMPercentage=75" }, { GOMEMLIMIT: "1800MiB" }. */
  settings: z._default(z.record(z.string(), z.string()), {}),
  /** How the numbers were derived, so a human can check them. */
  basis: z._default(z.array(z.string()), []),
});
export type Recommendation = z.infer<typeof RecommendationSchema>;

/** The node OOM incident a container OOM incident is part of (see `partOf` below). */
export const PartOfSchema = z.object({ incidentId: z.string(), kind: IncidentKindSchema, node: optionalString() });
export type PartOf = z.infer<typeof PartOfSchema>;

/** A container OOM-killed on a node that ran out of memory (NodeOOM `victims`). */
export const VictimSchema = z.object({
  namespace: z.string(),
  pod: z.string(),
  container: optionalString(),
  /** The victim's own container OOM incident (its `partOf` names the node OOM incident). */
  incidentId: optionalString(),
});
export type Victim = z.infer<typeof VictimSchema>;

export const IncidentSchema = z.object({
  id: z.string(),
  level: LevelSchema,
  kind: IncidentKindSchema,
  cluster: z.string(),
  namespace: optionalString(),
  workload: z.optional(OwnerRefSchema),
  container: optionalString(),
  node: optionalString(),
  /** Group the incident belongs to (see docs/design.md "Grouping"). */
  groupKey: z.string(),
  pods: z._default(z.array(z.string()), []),
  containers: z._default(z.array(z.string()), []),
  /** Number of distinct occurrences grouped into this incident. */
  occurrences: count,
  firstSeen: isoTime,
  lastSeen: isoTime,
  /** Current escalation: the level before it and every reason; `from` is absent when never escalated. */
  escalation: z._default(z.object({ from: z.optional(LevelSchema), reasons: z._default(z.array(z.string()), []) }), { reasons: [] }),
  escalationHistory: z._default(z.array(EscalationStepSchema), []),
  diagnosis: z.object({ causes: z._default(z.array(z.string()), []), summary: z.string() }),
  recommendation: z.optional(RecommendationSchema),
  enrichment: z.enum(["live", "event-time-only"]),
  /** Why live enrichment failed, when it did. */
  enrichmentError: optionalString(),
  /**
   * Set on a container OOM incident whose OOM kill happened on a node that ran out of memory
   * (SystemOOM/OOMKilling within the correlation window): the incident is part of that node OOM
   * incident (which lists it in `victims`). It keeps its own level; counts of incidents (sandbox
   * report, `oomwatch incidents stats`) count top-level incidents, i.e. those without `partOf`.
   * Notify posts it as a reply in the node incident's thread, not as a parent of its own.
   */
  partOf: z.optional(PartOfSchema),
  /** For NodeOOM: containers killed on the node in the correlation window. */
  victims: z._default(z.array(VictimSchema), []),
  /** Numbers for the one-line "what happened". */
  facts: z._default(
    z.object({
      limitBytes: optionalNumber(),
      requestBytes: optionalNumber(),
      usageBytes: optionalNumber(),
      restarts: optionalNumber(),
      evictions: optionalNumber(),
      exitCode: optionalNumber(),
      process: optionalString(),
    }),
    {},
  ),
  /** Most recent occurrence message (untrusted text). */
  lastMessage: optionalString(),
  snapshot: z._default(z.object({ pod: z.optional(PodSnapshotSchema), node: z.optional(NodeSnapshotSchema) }), {}),
  slack: z.optional(z.object({ channel: z.string(), ts: z.string(), permalink: optionalString() })),
  /** Working-set history of the incident's latest occurrence (same shape as the occurrence's). */
  memoryTrace: z.optional(MemoryTraceSchema),
  /** Container OOM incidents: ISO time of the first Level 0 warning for the container within the window. */
  warnedAt: z.optional(isoTime),
  /** Lifecycle: `open` until quiet for its window (node incidents: pressure cleared), then `resolved`. */
  status: z._default(z.enum(["open", "resolved"]), "open"),
  resolvedAt: z.optional(isoTime),
  /**
   * The most recent earlier incident of the same group first seen within 7 days (`resolvedAt` once it
   * is resolved) and how many incidents the group had in those days, this one included. Set by the
   * opening analysis (functions/analyze/previous-incident.ts); absent for the first of its group.
   */
  previous: z.optional(z.object({ incidentId: z.string(), resolvedAt: z.optional(isoTime), countLast7Days: count })),
  updatedAt: isoTime,
});
export type Incident = z.infer<typeof IncidentSchema>;

/** ingest -> analyze: an incident was created or changed in a way that can change its level or advice. */
export const AnalyzeRequestSchema = z.object({
  version: z.literal(1),
  incidentId: z.string(),
  /** Why analyze runs: new incident, or a repeat that can change level/advice. */
  trigger: z.enum(["new", "repeat", "correlation"]),
  occurrence: OccurrenceSchema,
});
export type AnalyzeRequest = z.infer<typeof AnalyzeRequestSchema>;

/** analyze -> notify: post or update the incident's Slack message. */
export const NotifyRequestSchema = z.object({
  version: z.literal(1),
  incidentId: z.string(),
  /** `new` posts the parent; `escalated` and `repeat` reply in the thread and update the parent; `resolved` (from the resolver) closes it. */
  change: z.enum(["new", "escalated", "repeat", "resolved"]),
  /** Monotonic per incident (occurrence count at analysis time): lets notify drop stale updates. */
  revision: count,
  incident: IncidentSchema,
});
export type NotifyRequest = z.infer<typeof NotifyRequestSchema>;

/** Response targets per paging level (minutes), from the reference runbook. */
export const RESPONSE_MINUTES: Record<Exclude<Level, 0>, number> = { 1: 5, 2: 10, 3: 30 };

/** Response target of a level; Level 0 (early warning) pages nobody and has none. */
export function responseMinutes(level: Level): number | undefined {
  return level === 0 ? undefined : RESPONSE_MINUTES[level];
}
