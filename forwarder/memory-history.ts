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
import { FORWARDER_DEFAULTS } from "./config.ts";

export const DEFAULT_HISTORY_WINDOW_SECONDS = 30 * 60;
/** One sample per sampling round: the forwarder's default metrics interval. */
export const DEFAULT_HISTORY_INTERVAL_SECONDS = FORWARDER_DEFAULTS.metricsIntervalMs / 1000;
const MAX_WINDOW_SECONDS = 12 * 3600; // keeps the mod-65536 time encoding unambiguous
const SLOTS_PER_CHUNK = 512;
const KiB = 1024;
const U32_MAX = 0xffffffff;

/**
 * Which series: a container (pod UID + name, which survive restarts; container IDs do not) or a node.
 * A pair, not a "uid/container" string: the history keeps the caller's pod UID (the pod cache's own
 * string) and one shared copy per container name, instead of a 40-character key per container.
 */
export type HistoryKey = { readonly podUid: string; readonly container: string } | { readonly node: string };

export const containerKey = (podUid: string, container: string): HistoryKey => ({ podUid, container });
export const nodeKey = (node: string): HistoryKey => ({ node });
/** The key as one string, for maps outside the history (e.g. warning episodes) and messages. */
export const keyText = (key: HistoryKey): string => ("node" in key ? `node:${key.node}` : `${key.podUid}/${key.container}`);

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

  /** Pod UID -> first slot of its containers; slots of one pod are chained through `nextOfPod`. */
  private readonly podHead = new Map<string, number>();
  private readonly nodeSlot = new Map<string, number>();
  /** Container names, one copy each (most pods share a handful: "app", "istio-proxy"). */
  private readonly names = new NameTable();
  private readonly free: number[] = [];
  private slotCount = 0;
  private timeChunks: Uint16Array[] = [];
  private valueChunks: Uint32Array[] = [];
  private newest = new Float64Array(0);
  private head = new Uint16Array(0);
  private count = new Uint16Array(0);
  private nextOfPod = new Int32Array(0);
  /** Container name id of a slot (NameTable), -1 for a node. */
  private nameOfSlot = new Int32Array(0);

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
  record(key: HistoryKey, epochSeconds: number, bytes: number): boolean {
    if (!Number.isFinite(epochSeconds) || !Number.isFinite(bytes) || bytes < 0) return false;
    const t = Math.floor(epochSeconds);
    let slot = this.find(key);
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
  samples(key: HistoryKey, until?: number): MemorySample[] {
    const slot = this.find(key);
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
  trace(key: HistoryKey, options: TraceOptions = {}): MemoryTrace | undefined {
    const samples = this.samples(key, options.until);
    if (samples.length === 0) return undefined;
    const trace: MemoryTrace = { source: "metrics-server", stepSeconds: medianStep(samples, this.intervalSeconds), samples };
    if (options.limitBytes !== undefined && options.limitBytes > 0) trace.limitBytes = options.limitBytes;
    if (options.requestBytes !== undefined && options.requestBytes > 0) trace.requestBytes = options.requestBytes;
    return trace;
  }

  has(key: HistoryKey): boolean {
    return this.find(key) !== undefined;
  }

  /** Keys held (containers and nodes). */
  get size(): number {
    return this.slotCount - this.free.length;
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
  dropKey(key: HistoryKey): void {
    if ("node" in key) {
      const slot = this.nodeSlot.get(key.node);
      if (slot === undefined) return;
      this.nodeSlot.delete(key.node);
      this.release(slot);
      return;
    }
    const id = this.names.idOf(key.container);
    if (id === undefined) return;
    this.unlinkWhere(key.podUid, (slot) => this.nameOfSlot[slot] === id);
  }

  /** Safety net for missed deletions: forgets keys whose newest sample is older than `cutoff`. */
  pruneOlderThan(cutoffEpochSeconds: number): number {
    const stale = (slot: number) => this.count[slot] === 0 || this.newest[slot]! < cutoffEpochSeconds;
    let dropped = 0;
    // Deleting the entry being visited is safe while iterating a Map.
    for (const [node, slot] of this.nodeSlot) {
      if (!stale(slot)) continue;
      this.nodeSlot.delete(node);
      this.release(slot);
      dropped++;
    }
    for (const pod of this.podHead.keys()) dropped += this.unlinkWhere(pod, stale);
    return dropped;
  }

  /** Bytes held, for the forwarder benchmark. */
  memoryUsage(): HistoryMemoryUsage {
    const chunks = this.timeChunks.length;
    const typedArrayBytes =
      chunks * SLOTS_PER_CHUNK * this.capacity * (2 + 4) +
      this.newest.byteLength +
      this.head.byteLength +
      this.count.byteLength +
      this.nextOfPod.byteLength +
      this.nameOfSlot.byteLength;
    // ~32 bytes per Map entry (key, value, chain, bucket). Pod UIDs are the pod cache's strings, not
    // copies; node names and container names (one copy each) are counted with a ~16-byte header.
    let nodeChars = 0;
    for (const node of this.nodeSlot.keys()) nodeChars += 16 + node.length;
    const indexBytesEstimate = (this.podHead.size + this.nodeSlot.size) * 32 + nodeChars + this.names.bytesEstimate() + this.free.length * 8;
    return { keys: this.size, slots: this.slotCount, typedArrayBytes, indexBytesEstimate, totalBytes: typedArrayBytes + indexBytesEstimate };
  }

  private find(key: HistoryKey): number | undefined {
    if ("node" in key) return this.nodeSlot.get(key.node);
    const id = this.names.idOf(key.container);
    if (id === undefined) return undefined;
    for (let slot = this.podHead.get(key.podUid) ?? -1; slot >= 0; slot = this.nextOfPod[slot]!) if (this.nameOfSlot[slot] === id) return slot;
    return undefined;
  }

  /** Releases the pod's slots that match, keeping the rest of its chain; returns how many. */
  private unlinkWhere(podUid: string, matches: (slot: number) => boolean): number {
    let released = 0;
    let prev = -1;
    let slot = this.podHead.get(podUid) ?? -1;
    while (slot >= 0) {
      const next = this.nextOfPod[slot]!;
      if (matches(slot)) {
        if (prev < 0) {
          if (next >= 0) this.podHead.set(podUid, next);
          else this.podHead.delete(podUid);
        } else this.nextOfPod[prev] = next;
        this.release(slot);
        released++;
      } else prev = slot;
      slot = next;
    }
    return released;
  }

  private timeAt(slot: number, times: Uint16Array, base: number, idx: number): number {
    const newest = this.newest[slot]!;
    return newest - ((((newest & 0xffff) - times[base + idx]!) % 0x10000) + 0x10000) % 0x10000;
  }

  private allocate(key: HistoryKey): number {
    let slot = this.free.pop();
    if (slot === undefined) {
      slot = this.slotCount++;
      if (slot % SLOTS_PER_CHUNK === 0) {
        this.timeChunks.push(new Uint16Array(SLOTS_PER_CHUNK * this.capacity));
        this.valueChunks.push(new Uint32Array(SLOTS_PER_CHUNK * this.capacity));
      }
      if (slot >= this.newest.length) this.grow(Math.max(SLOTS_PER_CHUNK, this.newest.length * 2));
    }
    this.head[slot] = 0;
    this.count[slot] = 0;
    this.newest[slot] = 0;
    if ("node" in key) {
      this.nodeSlot.set(key.node, slot);
      this.nameOfSlot[slot] = -1;
      this.nextOfPod[slot] = -1;
    } else {
      this.nameOfSlot[slot] = this.names.acquire(key.container);
      this.nextOfPod[slot] = this.podHead.get(key.podUid) ?? -1;
      this.podHead.set(key.podUid, slot);
    }
    return slot;
  }

  /** Returns a slot to the free list; the caller has already removed it from its map or chain. */
  private release(slot: number): void {
    const name = this.nameOfSlot[slot]!;
    if (name >= 0) this.names.release(name);
    this.nameOfSlot[slot] = -1;
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
    const name = new Int32Array(size).fill(-1);
    name.set(this.nameOfSlot);
    this.nameOfSlot = name;
  }
}

/** Container names by small id, counted so a name no container uses any more is forgotten. */
class NameTable {
  private readonly ids = new Map<string, number>();
  private readonly names: (string | undefined)[] = [];
  private readonly refs: number[] = [];
  private readonly free: number[] = [];

  idOf(name: string): number | undefined {
    return this.ids.get(name);
  }

  acquire(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.free.pop() ?? this.names.length;
      this.ids.set(name, id);
      this.names[id] = name;
      this.refs[id] = 0;
    }
    this.refs[id]! += 1;
    return id;
  }

  release(id: number): void {
    this.refs[id]! -= 1;
    if (this.refs[id]! > 0) return;
    this.ids.delete(this.names[id]!);
    this.names[id] = undefined;
    this.free.push(id);
  }

  bytesEstimate(): number {
    let chars = 0;
    for (const name of this.ids.keys()) chars += 16 + name.length;
    return chars + this.ids.size * 32 + this.names.length * 16;
  }
}

/** Median spacing of the samples: what metrics-server really delivered (15-60 s), not what was asked. */
function medianStep(samples: readonly MemorySample[], fallback: number): number {
  if (samples.length < 2) return fallback;
  const steps: number[] = [];
  for (let i = 1; i < samples.length; i++) steps.push(samples[i]![0] - samples[i - 1]![0]);
  steps.sort((a, b) => a - b);
  return steps[Math.floor(steps.length / 2)]!;
}
