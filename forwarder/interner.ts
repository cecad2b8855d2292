/**
 * One frozen copy of equal values, for the informer caches. The pods of one ReplicaSet carry
 * identical container specs, labels and owner references; at 10,000 pods the copies of these were
 * about a third of the pod cache. The cache projection (forwarder/cache-projection.ts) passes
 * those parts through intern(), and every pod then points at one shared, deep-frozen instance
 * (frozen so no reader can change another pod's data through it: in ESM strict mode a write throws).
 *
 * Bounded: when `maxEntries` distinct values are held, the table starts over. Pods already cached
 * keep the instances they point at; only later ones stop sharing with them, so a cluster with
 * more distinct specs than the bound costs what it cost before interning, never more.
 */
export class Interner {
  private readonly table = new Map<string, unknown>();

  constructor(private readonly maxEntries = 4096) {}

  /** The shared instance equal to `value` (JSON equality, key order included: projections build in a fixed order). */
  intern<T>(value: T): T {
    if (value === undefined || value === null || typeof value !== "object") return value;
    const key = JSON.stringify(value);
    const known = this.table.get(key);
    if (known !== undefined) return known as T;
    if (this.table.size >= this.maxEntries) this.table.clear();
    this.table.set(key, deepFreeze(value));
    return value;
  }

  get size(): number {
    return this.table.size;
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
