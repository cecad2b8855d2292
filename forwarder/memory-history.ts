/**
 * Bounded per-container and per-node history of working-set bytes from metrics-server.
 *
 * Compact on purpose (20,000 containers x 61 samples must fit the 12 MiB budget): no object per
 * sample. Every key owns a fixed slot of `capacity` samples inside shared chunked typed arrays:
 * - time: Uint16 = epochSeconds mod 65536. Every kept sample is within `windowSeconds` (<= 12 h)
 *   of the slot's newest timestamp (stored in full), so the full time is recovered exactly.
 * - value: Uint32 KiB (metrics-server reports Ki; up to 4 TiB), 6 bytes per sample in total.
 * Containers are keyed by pod UID + container name, not container ID, so a restarted container keeps
 * the run-up to its kill. Samples carry the metrics API's timestamps; a missed round leaves a gap.
 */
import type { MemorySample, MemoryTrace } from "../shared/memory/trace.ts";

export const DEFAULT_HISTORY_WINDOW_SECONDS = 30 * 60;
export const DEFAULT_HISTORY_INTERVAL_SECONDS = 30;
const MAX_WINDOW_SECONDS = 12 * 3600; // keeps the mod-65536 time encoding unambiguous
const SLOTS_PER_CHUNK = 512;
const KiB = 1024;
const U32_MAX = 0xffffffff;

/** History key of a container: survives restarts (container IDs change, pod UID + name do not). */
export const containerKey = (podUid: string, container: string): string => `${podUid}/${container}`;
/** History key of a node (no "/" in it, unlike container keys). */
export const nodeKey = (node: string): string => `node:${node}`;

export interface MemoryHistoryOptions {
  windowSeconds?: number;
  intervalSeconds?: number;
}

export interface TraceOptions {
  limitBytes?: number;
  requestBytes?: number;
  /** Only samples at or before this time (epoch seconds), e.g. the kill, so the restart is not in the run-up. */
  until?: number;
}

export interface HistoryMemoryUsage {
  keys: number;
  slots: number;
  /** Typed arrays (samples and per-slot state), exact. */
  typedArrayBytes: number;
  /** Maps and key strings, estimated (V8 does not expose them per object). */
  indexBytesEstimate: number;
  totalBytes: number;
}

export class MemoryHistory {
  readonly windowSeconds: number;
  readonly intervalSeconds: number;
  /** Samples per slot: the window at the nominal interval, plus the sample at its start. */
  readonly capacity: number;

  private readonly slotOf = new Map<string, number>();
  /** Pod UID -> first slot of its containers; slots of one pod are chained through `nextOfPod`. */
  private readonly podHead = new Map<string, number>();
  private keyOfSlot: (string | undefined)[] = [];
  private readonly free: number[] = [];
  private slotCount = 0;
  private timeChunks: Uint16Array[] = [];
  private valueChunks: Uint32Array[] = [];
  private newest = new Float64Array(0);
  private head = new Uint16Array(0);
  private count = new Uint16Array(0);
  private nextOfPod = new Int32Array(0);

  constructor(options: MemoryHistoryOptions = {}) {
    this.windowSeconds = options.windowSeconds ?? DEFAULT_HISTORY_WINDOW_SECONDS;
    this.intervalSeconds = options.intervalSeconds ?? DEFAULT_HISTORY_INTERVAL_SECONDS;
    if (!(this.windowSeconds > 0 && this.windowSeconds <= MAX_WINDOW_SECONDS)) throw new Error(`history window must be in (0, ${MAX_WINDOW_SECONDS}] s`);
    if (!(this.intervalSeconds > 0)) throw new Error("history interval must be > 0 s");
    this.capacity = Math.min(0xffff, Math.ceil(this.windowSeconds / this.intervalSeconds) + 1);
  }

  /**
   * Adds one sample. Returns false (and keeps nothing) for a timestamp at or before the key's newest
   * (metrics-server repeats a sample until its next scrape; a late answer must not rewrite history)
   * or for a value that is not a byte count.
   */
  record(key: string, epochSeconds: number, bytes: number): boolean {
    if (!Number.isFinite(epochSeconds) || !Number.isFinite(bytes) || bytes < 0) return false;
    const t = Math.floor(epochSeconds);
    let slot = this.slotOf.get(key);
    if (slot === undefined) slot = this.allocate(key);
    else if (this.count[slot]! > 0) {
      if (t <= this.newest[slot]!) return false;
      // Silent for longer than the window: nothing kept is inside it any more.
      if (t - this.newest[slot]! > this.windowSeconds) this.count[slot] = 0;
    }
    const cap = this.capacity;
    const base = (slot % SLOTS_PER_CHUNK) * cap;
    const times = this.timeChunks[Math.floor(slot / SLOTS_PER_CHUNK)]!;
    const values = this.valueChunks[Math.floor(slot / SLOTS_PER_CHUNK)]!;
    let h = this.head[slot]!;
    let c = this.count[slot]!;
    if (c === 0) h = 0;
    const at = (h + c) % cap;
    times[base + at] = t & 0xffff;
    values[base + at] = Math.min(U32_MAX, Math.round(bytes / KiB));
    if (c === cap) h = (h + 1) % cap;
    else c += 1;
    this.newest[slot] = t;
    // Drop what fell out of the window (only possible after irregular spacing).
    while (c > 1 && this.timeAt(slot, times, base, h) < t - this.windowSeconds) {
      h = (h + 1) % cap;
      c -= 1;
    }
    this.head[slot] = h;
    this.count[slot] = c;
    return true;
  }

  /** The key's samples, oldest first (a copy). */
  samples(key: string, until?: number): MemorySample[] {
    const slot = this.slotOf.get(key);
    if (slot === undefined) return [];
    const cap = this.capacity;
    const base = (slot % SLOTS_PER_CHUNK) * cap;
    const times = this.timeChunks[Math.floor(slot / SLOTS_PER_CHUNK)]!;
    const values = this.valueChunks[Math.floor(slot / SLOTS_PER_CHUNK)]!;
    const out: MemorySample[] = [];
    const h = this.head[slot]!;
    for (let i = 0; i < this.count[slot]!; i++) {
      const idx = (h + i) % cap;
      const t = this.timeAt(slot, times, base, idx);
      if (until !== undefined && t > until) break;
      out.push([t, values[base + idx]! * KiB]);
    }
    return out;
  }

  /** The `memoryTrace` of a key, or undefined when it has no samples. */
  trace(key: string, options: TraceOptions = {}): MemoryTrace | undefined {
    const samples = this.samples(key, options.until);
    if (samples.length === 0) return undefined;
    const trace: MemoryTrace = { source: "metrics-server", stepSeconds: medianStep(samples, this.intervalSeconds), samples };
    if (options.limitBytes !== undefined && options.limitBytes > 0) trace.limitBytes = options.limitBytes;
    if (options.requestBytes !== undefined && options.requestBytes > 0) trace.requestBytes = options.requestBytes;
    return trace;
  }

  has(key: string): boolean {
    return this.slotOf.has(key);
  }

  get size(): number {
    return this.slotOf.size;
  }

  /** Forgets every container of a deleted pod. */
  drop(podUid: string): void {
    let slot = this.podHead.get(podUid) ?? -1;
    this.podHead.delete(podUid);
    while (slot >= 0) {
      const next = this.nextOfPod[slot]!;
      this.release(slot);
      slot = next;
    }
  }

  /** Forgets one key (a deleted node; a container of a pod that stays is left to drop()). */
  dropKey(key: string): void {
    const slot = this.slotOf.get(key);
    if (slot === undefined) return;
    const pod = podOf(key);
    if (pod !== undefined) {
      // Unlink from the pod's chain.
      let cur = this.podHead.get(pod) ?? -1;
      let prev = -1;
      while (cur >= 0 && cur !== slot) {
        prev = cur;
        cur = this.nextOfPod[cur]!;
      }
      if (prev < 0) {
        const next = this.nextOfPod[slot]!;
        if (next >= 0) this.podHead.set(pod, next);
        else this.podHead.delete(pod);
      } else this.nextOfPod[prev] = this.nextOfPod[slot]!;
    }
    this.release(slot);
  }

  /** Safety net for missed deletions: forgets keys whose newest sample is older than `cutoff`. */
  pruneOlderThan(cutoffEpochSeconds: number): number {
    const stale: string[] = [];
    for (const [key, slot] of this.slotOf) if (this.count[slot] === 0 || this.newest[slot]! < cutoffEpochSeconds) stale.push(key);
    for (const key of stale) this.dropKey(key);
    return stale.length;
  }

  /** Bytes held, for the forwarder benchmark. */
  memoryUsage(): HistoryMemoryUsage {
    const chunks = this.timeChunks.length;
    const typedArrayBytes =
      chunks * SLOTS_PER_CHUNK * this.capacity * (2 + 4) + this.newest.byteLength + this.head.byteLength + this.count.byteLength + this.nextOfPod.byteLength;
    let keyChars = 0;
    for (const key of this.slotOf.keys()) keyChars += key.length;
    // ~40 bytes per Map entry, a string header of ~16 bytes, one pointer in keyOfSlot; pod map alike.
    const indexBytesEstimate = keyChars + this.slotOf.size * (40 + 16 + 8) + this.podHead.size * (40 + 16 + 36) + this.free.length * 8;
    return { keys: this.slotOf.size, slots: this.slotCount, typedArrayBytes, indexBytesEstimate, totalBytes: typedArrayBytes + indexBytesEstimate };
  }

  private timeAt(slot: number, times: Uint16Array, base: number, idx: number): number {
    const newest = this.newest[slot]!;
    return newest - ((((newest & 0xffff) - times[base + idx]!) % 0x10000) + 0x10000) % 0x10000;
  }

  private allocate(key: string): number {
    let slot = this.free.pop();
    if (slot === undefined) {
      slot = this.slotCount++;
      if (slot % SLOTS_PER_CHUNK === 0) {
        this.timeChunks.push(new Uint16Array(SLOTS_PER_CHUNK * this.capacity));
        this.valueChunks.push(new Uint32Array(SLOTS_PER_CHUNK * this.capacity));
      }
      if (slot >= this.newest.length) this.grow(Math.max(SLOTS_PER_CHUNK, this.newest.length * 2));
    }
    this.slotOf.set(key, slot);
    this.keyOfSlot[slot] = key;
    this.head[slot] = 0;
    this.count[slot] = 0;
    this.newest[slot] = 0;
    this.nextOfPod[slot] = -1;
    const pod = podOf(key);
    if (pod !== undefined) {
      this.nextOfPod[slot] = this.podHead.get(pod) ?? -1;
      this.podHead.set(pod, slot);
    }
    return slot;
  }

  private release(slot: number): void {
    const key = this.keyOfSlot[slot];
    if (key !== undefined) this.slotOf.delete(key);
    this.keyOfSlot[slot] = undefined;
    this.count[slot] = 0;
    this.nextOfPod[slot] = -1;
    this.free.push(slot);
  }

  private grow(size: number): void {
    const newest = new Float64Array(size);
    newest.set(this.newest);
    this.newest = newest;
    const head = new Uint16Array(size);
    head.set(this.head);
    this.head = head;
    const count = new Uint16Array(size);
    count.set(this.count);
    this.count = count;
    const next = new Int32Array(size).fill(-1);
    next.set(this.nextOfPod);
    this.nextOfPod = next;
  }
}

/** Pod UID of a container key; undefined for node keys. */
function podOf(key: string): string | undefined {
  const slash = key.indexOf("/");
  return slash < 0 ? undefined : key.slice(0, slash);
}

/** Median spacing of the samples: what metrics-server really delivered (15-60 s), not what was asked. */
function medianStep(samples: readonly MemorySample[], fallback: number): number {
  if (samples.length < 2) return fallback;
  const steps: number[] = [];
  for (let i = 1; i < samples.length; i++) steps.push(samples[i]![0] - samples[i - 1]![0]);
  steps.sort((a, b) => a - b);
  return steps[Math.floor(steps.length / 2)]!;
}
