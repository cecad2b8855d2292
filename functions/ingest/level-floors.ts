/**
 * The level ingest takes an incident to have without reading it every batch, per ingest handler
 * (one Lambda container):
 *
 * - Floors: analyze never lowers a stored level (its write is conditional on that:
 *   shared/storage/incident-writer.ts), so a level once read stays a lower bound for good. A plain
 *   repeat whose numbers classify at or below the floor cannot trigger (decideTrigger compares
 *   with the stored level, which is at least the floor), so it needs no read; a trigger decided on
 *   a floor is confirmed with the level stored now (ingest-occurrence.ts).
 * - Requested escalations: once this handler has asked analyze to re-analyse an incident whose
 *   numbers classify at level L, another occurrence classifying at L is no news while that
 *   analysis is on its way (it reads the running tally, this occurrence included). In a storm
 *   analyze lags by seconds, and every batch until it stores L would ask again: one analysis per
 *   batch instead of one per escalation. After ESCALATION_PENDING_MS without L stored (the analysis
 *   failed, or found less), the next occurrence asks again.
 *
 * Why: ingest read the stored level of every incident of every batch, and in the 4× storm run those
 * reads (one item per incident and batch) were most of what grew.
 */

/** How long a requested escalation stands in for the stored level (analyze stores it within seconds). */
export const ESCALATION_PENDING_MS = 60_000;

export class LevelFloors {
  private readonly floors = new Map<string, number>();
  private readonly requests = new Map<string, { level: number; atMs: number }>();

  /** `capacity`: incidents remembered; the least recently raised are forgotten first (they are read again). */
  constructor(private readonly capacity = 10_000) {}

  /** The highest level read for the incident, if any. */
  get(incidentId: string): number | undefined {
    return this.floors.get(incidentId);
  }

  /** Records a level read from the store; a lower one than known (read before a newer write) changes nothing. */
  raise(incidentId: string, level: number): void {
    const known = this.floors.get(incidentId);
    if (known === undefined || level > known) this.remember(this.floors, incidentId, level);
  }

  /** This handler sent analyze a re-analysis of the incident, whose numbers classified at `level`, at `atMs`. */
  requested(incidentId: string, level: number, atMs: number): void {
    const known = this.requests.get(incidentId);
    if (known === undefined || level >= known.level) this.remember(this.requests, incidentId, { level, atMs });
  }

  /**
   * `level` (stored, or a floor) raised to an escalation requested within ESCALATION_PENDING_MS
   * before `nowMs`. Undefined stays undefined: an incident not analysed yet waits for its first analysis.
   */
  expected(incidentId: string, level: number | undefined, nowMs: number): number | undefined {
    if (level === undefined) return undefined;
    const request = this.requests.get(incidentId);
    return request && nowMs - request.atMs < ESCALATION_PENDING_MS ? Math.max(level, request.level) : level;
  }

  private remember<V>(map: Map<string, V>, incidentId: string, value: V): void {
    map.delete(incidentId); // re-inserted last: Map order is the eviction order
    map.set(incidentId, value);
    if (map.size > this.capacity) map.delete(map.keys().next().value as string);
  }
}
