/**
 * Bounded memory of occurrence keys (LRU by insertion, with a TTL): lets one
 * process skip what it already observed or sent across watch relists and 410s.
 * The TTL must exceed the lookback, so anything that still passes the lookback
 * check is still remembered.
 */
export class KeyMemory {
  private readonly entries = new Map<string, number>();

  constructor(
    private readonly capacity: number,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  has(key: string): boolean {
    const at = this.entries.get(key);
    if (at === undefined) return false;
    if (this.now() - at > this.ttlMs) {
      this.entries.delete(key);
      return false;
    }
    return true;
  }

  add(key: string): void {
    this.entries.delete(key);
    this.entries.set(key, this.now());
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
