/**
 * The memory-history parts of the occurrence message: what the forwarder's sampler adds to an
 * occurrence (the trace that led to it, the largest containers on a node) and the payload of a
 * Level 0 early warning. Kept apart from occurrence.ts so the trace contract has one owner
 * (shared/memory/trace.ts) and the occurrence schema only composes it.
 */
import * as z from "./zod.ts";

export { type MemoryTrace, MemoryTraceSchema } from "../memory/trace.ts";

/** One of the largest containers on a node at the time of a node-level occurrence. */
export const TopContainerSchema = z.object({
  namespace: z.string(),
  pod: z.string(),
  container: z.string(),
  workingSetBytes: z.number().check(z.nonnegative()),
  limitBytes: z.optional(z.number().check(z.nonnegative())),
  requestBytes: z.optional(z.number().check(z.nonnegative())),
});
export type TopContainer = z.infer<typeof TopContainerSchema>;

/**
 * Which early-warning rule fired and the numbers behind it (MemoryNearLimit / NodeMemoryHigh).
 * Mirrors `EarlyWarning` in shared/memory/early-warning.ts with ISO times instead of epochs.
 */
export const EarlyWarningDetailSchema = z.object({
  ruleId: z.enum([
    "container-warning",
    "container-critical",
    "container-trend",
    "node-warning",
    "node-critical",
    "node-trend",
  ]),
  severity: z.enum(["warning", "critical"]),
  /** Newest sample as % of the container's limit or the node's allocatable. */
  currentPercent: z.number().check(z.nonnegative()),
  currentBytes: z.number().check(z.nonnegative()),
  limitBytes: z.number().check(z.positive()),
  /** When the rule started to hold (the value incidents keep as `warnedAt`). */
  firingSince: z.iso.datetime({ offset: true }),
  slopeBytesPerSecond: z.optional(z.number()),
  /** At the current slope, seconds until the limit is reached (0 when already there). */
  secondsToLimit: z.optional(z.number().check(z.nonnegative())),
});
export type EarlyWarningDetail = z.infer<typeof EarlyWarningDetailSchema>;
