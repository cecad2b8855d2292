/**
 * The lowest each incident's stored level can be, from the levels this ingest handler (one Lambda
 * container) has read before. Analyze never lowers a stored level (its write is conditional on
 * that: shared/storage/incident-writer.ts), so a level once read stays a lower bound for good.
 *
 * Why: ingest used to read the stored level of every incident of every batch. A plain repeat
 * whose numbers classify at or below the floor cannot trigger (decideTrigger compares with the
 * stored level, which is at least the floor), so it needs no read; a trigger decided on a floor is
 * confirmed with the level stored now (ingest-occurrence.ts). In a storm that makes the level reads
 * one per incident and escalation instead of one per incident and batch.
 */
export class LevelFloors {
  private readonly floors = new Map<string, number>();

  /** `capacity`: incidents remembered; the least recently raised are forgotten first (they are read again). */
  constructor(private readonly capacity = 10_000) {}

  get(incidentId: string): number | undefined {
    return this.floors.get(incidentId);
  }

  /** Records a level read from the store; a lower one than known (read before a newer write) changes nothing. */
  raise(incidentId: string, level: number): void {
    const known = this.floors.get(incidentId);
    if (known !== undefined && known >= level) return;
    this.floors.delete(incidentId); // re-inserted last: Map order is the eviction order
    this.floors.set(incidentId, level);
    if (this.floors.size > this.capacity) this.floors.delete(this.floors.keys().next().value as string);
  }
}
