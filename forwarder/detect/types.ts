/**
 * What detection produces: the identifying part of an occurrence, before the
 * forwarder adds cluster, observedAt and the evidence snapshot.
 */
import type { OccurrenceInput } from "../../shared/schema/occurrence.ts";

export type DetectedOccurrence = Omit<OccurrenceInput, "version" | "cluster" | "observedAt" | "snapshot">;

export interface Detection {
  occurrence: DetectedOccurrence;
  /**
   * Set for recognised look-alikes that are NOT memory incidents (e.g.
   * `eviction:ephemeral-storage`). The forwarder counts them and never sends them.
   */
  notMemory?: string;
}
