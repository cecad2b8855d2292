/**
 * Recordings: what `kubectl get pods,events,nodes -A -w -o json --output-watch-events`
 * prints (concatenated, pretty-printed `{"type":"ADDED","object":{...}}` values, not
 * one per line), JSON Lines, plain objects without a type (ADDED), and `kind: List`
 * documents (each item ADDED). Problems are reported as `file:line:column: problem`.
 */
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { findByKind } from "./resources.ts";
import type { K8sSimulator } from "./server.ts";
import { lineColumn, SourceError } from "./source-error.ts";
import type { KubeObject } from "./types.ts";

export type RecordedEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
const EVENT_TYPES: readonly string[] = ["ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"];

export interface RecordedEvent {
  type: RecordedEventType;
  object: KubeObject;
  /** Where the value starts in the file (1-based). */
  line: number;
  column: number;
}

/** Splits text into top-level JSON values by bracket matching (strings and escapes respected). */
function* jsonValues(text: string, file: string): Generator<{ start: number; end: number }> {
  let i = 0;
  const n = text.length;
  while (i < n) {
    const ch = text[i] ?? "";
    if (/\s/.test(ch) || ch === ",") {
      i++;
      continue;
    }
    if (ch !== "{" && ch !== "[") {
      const { line, column } = lineColumn(text, i);
      throw new SourceError(file, line, column, `expected a JSON object, found ${JSON.stringify(text.slice(i, i + 20))}`);
    }
    const start = i;
    let depth = 0;
    let inString = false;
    for (; i < n; i++) {
      const c = text[i];
      if (inString) {
        if (c === "\\") i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === "{" || c === "[") depth++;
      else if (c === "}" || c === "]") {
        depth--;
        if (depth === 0) break;
      }
    }
    if (depth !== 0 || i >= n) {
      const { line, column } = lineColumn(text, start);
      throw new SourceError(file, line, column, "unterminated JSON value (the file ends inside it)");
    }
    i++;
    yield { start, end: i };
  }
}

function parseValue(text: string, start: number, end: number, file: string): unknown {
  try {
    return JSON.parse(text.slice(start, end));
  } catch (err) {
    const message = (err as Error).message;
    const position = /position (\d+)/.exec(message);
    const { line, column } = lineColumn(text, start + (position ? Number(position[1]) : 0));
    throw new SourceError(file, line, column, `invalid JSON: ${message.replace(/ in JSON at position \d+.*$/, "")}`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** Parses recording text; `file` names the source in errors. */
export function parseRecording(text: string, file: string): RecordedEvent[] {
  const events: RecordedEvent[] = [];
  for (const { start, end } of jsonValues(text, file)) {
    const { line, column } = lineColumn(text, start);
    const fail = (detail: string) => new SourceError(file, line, column, detail);
    const value = parseValue(text, start, end, file);
    if (!isObject(value)) throw fail("expected a watch event or a Kubernetes object, found an array");
    const isWatchEvent = typeof value.type === "string" && "object" in value;
    if (isWatchEvent && !EVENT_TYPES.includes(value.type as string)) throw fail(`unknown watch event type "${String(value.type)}"`);
    const type = (isWatchEvent ? value.type : "ADDED") as RecordedEventType;
    const object = isWatchEvent ? value.object : value;
    if (!isObject(object)) throw fail("watch event has no object");
    if (type === "BOOKMARK" || type === "ERROR") {
      events.push({ type, object: object as KubeObject, line, column });
      continue;
    }
    if (typeof object.kind === "string" && object.kind.endsWith("List") && Array.isArray(object.items)) {
      // `kubectl get -o json` without -w: a List whose items may lack kind (typed lists).
      const itemKind = object.kind === "List" ? undefined : object.kind.slice(0, -"List".length);
      for (const [index, item] of object.items.entries()) {
        if (!isObject(item)) throw fail(`items[${index}] is not an object`);
        const withKind = { ...(itemKind ? { kind: itemKind } : {}), ...(typeof object.apiVersion === "string" ? { apiVersion: object.apiVersion } : {}), ...item };
        events.push({ type: "ADDED", object: checkObject(withKind, (d) => fail(`items[${index}]: ${d}`)), line, column });
      }
      continue;
    }
    events.push({ type, object: checkObject(object, fail), line, column });
  }
  return events;
}

function checkObject(object: Record<string, unknown>, fail: (detail: string) => Error): KubeObject {
  if (typeof object.kind !== "string" || !object.kind) throw fail("object has no kind");
  const metadata = object.metadata;
  if (!isObject(metadata) || typeof metadata.name !== "string" || !metadata.name) throw fail(`${object.kind} has no metadata.name`);
  return object as KubeObject;
}

export function loadRecording(path: string): RecordedEvent[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new Error(`recording ${path}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`);
  }
  return parseRecording(text, path);
}

// ---------------------------------------------------------------- replay

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Every RFC 3339 timestamp inside an object (field values only). */
function timestamps(value: unknown, out: number[] = []): number[] {
  if (typeof value === "string" && TIMESTAMP.test(value)) out.push(Date.parse(value));
  else if (Array.isArray(value)) for (const v of value) timestamps(v, out);
  else if (isObject(value)) for (const v of Object.values(value)) timestamps(v, out);
  return out;
}

/** The time of a recorded change: the latest timestamp in the object (a status write, an event, a heartbeat). */
export function eventTime(e: RecordedEvent): number | undefined {
  const all = timestamps(e.object);
  return all.length ? Math.max(...all) : undefined;
}

/** The object with every timestamp moved by `shiftMs`, keeping each one's precision. */
function shiftTimes<T>(value: T, shiftMs: number): T {
  if (typeof value === "string" && TIMESTAMP.test(value)) {
    const fraction = /\.(\d+)/.exec(value)?.[1];
    const iso = new Date(Date.parse(value) + shiftMs).toISOString();
    const base = iso.slice(0, 19);
    return `${base}${fraction ? `.${iso.slice(20, 23).padEnd(fraction.length, "0").slice(0, fraction.length)}` : ""}Z` as T;
  }
  if (Array.isArray(value)) return value.map((v) => shiftTimes(v, shiftMs)) as T;
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shiftTimes(v, shiftMs)])) as T;
  return value;
}

export interface PacingOptions {
  /** Time multiplier for the gaps between recorded changes (default 1). */
  speed?: number;
  /** Gap when a change has no timestamp (default 50 ms, before speed). */
  gapMs?: number;
  /** Longest wait between two changes (default 5 s, before speed): idle stretches are skipped. */
  maxGapMs?: number;
}

export interface ReplayOptions extends PacingOptions {
  signal?: AbortSignal;
  /**
   * Move every timestamp of the recording by one constant (default true), so the last
   * recorded change is applied when its timestamps say and the rest keep their recorded
   * distances to it: windows and correlations see the recording's time structure, while
   * pacing is compressed. With false, the recorded timestamps are kept as they are.
   */
  retime?: boolean;
  onEvent?: (e: RecordedEvent, index: number) => void;
}

export interface ReplaySchedule {
  /** When each change is applied, in ms after the replay starts. */
  offsetsMs: number[];
  /**
   * How much older than when it was seen live a change can look when it is applied (pacing
   * compressed by --speed and skipped idle stretches, timestamps not): a forwarder's lookback
   * must grow by this much to ignore what it would have ignored live, and nothing more.
   */
  compressedMs: number;
  /** The one shift of every timestamp, given when the replay starts (epoch ms). */
  shiftMs(startedAt: number): number;
}

/** When each recorded change is applied, and the one shift of the recording's timestamps. */
export function replaySchedule(events: RecordedEvent[], opts: PacingOptions = {}): ReplaySchedule {
  const speed = opts.speed ?? 1;
  if (!(speed > 0)) throw new Error(`replayRecording: speed must be > 0, got ${speed}`);
  const gapMs = opts.gapMs ?? 50;
  const maxGapMs = opts.maxGapMs ?? 5000;
  const times = events.map(eventTime);
  const offsetsMs: number[] = [];
  let offset = 0;
  let previous: number | undefined;
  let latest: { time: number; offset: number } | undefined;
  for (const [index, time] of times.entries()) {
    if (index > 0) offset += (time !== undefined && previous !== undefined ? Math.min(Math.max(0, time - previous), maxGapMs) : gapMs) / speed;
    offsetsMs.push(offset);
    if (time === undefined) continue;
    previous = Math.max(previous ?? time, time);
    if (!latest || time > latest.time) latest = { time, offset };
  }
  // A change applied at offset o with timestamps up to t looks (latest.time - t) - (latest.offset - o) older than live.
  let compressedMs = 0;
  for (const [index, time] of times.entries()) {
    if (time !== undefined && latest) compressedMs = Math.max(compressedMs, latest.time - time - (latest.offset - (offsetsMs[index] ?? 0)));
  }
  return {
    offsetsMs,
    compressedMs,
    shiftMs: (startedAt) => (latest ? startedAt + latest.offset - latest.time : 0),
  };
}

export interface ReplayResult {
  applied: number;
  deleted: number;
  /** Kinds the simulator does not serve, with how many changes were skipped. */
  skipped: Record<string, number>;
}

/** Applies recorded changes to the simulator with their original pacing (scaled by speed) and time structure. */
export async function replayRecording(sim: K8sSimulator, events: RecordedEvent[], opts: ReplayOptions = {}): Promise<ReplayResult> {
  const schedule = replaySchedule(events, opts);
  const startedAt = Date.now();
  const shiftMs = opts.retime !== false ? schedule.shiftMs(startedAt) : 0;
  const result: ReplayResult = { applied: 0, deleted: 0, skipped: {} };
  for (const [index, e] of events.entries()) {
    // Against the start, not the previous change: time spent applying does not add up into drift.
    const wait = startedAt + (schedule.offsetsMs[index] ?? 0) - Date.now();
    if (wait > 0) await sleep(wait, undefined, opts.signal ? { signal: opts.signal } : {});
    opts.signal?.throwIfAborted();
    if (e.type === "BOOKMARK" || e.type === "ERROR") continue;
    const kind = e.object.kind ?? "";
    if (!findByKind(kind, e.object.apiVersion) && !findByKind(kind)) {
      result.skipped[kind] = (result.skipped[kind] ?? 0) + 1;
      continue;
    }
    const object = shiftMs !== 0 ? shiftTimes(e.object, shiftMs) : e.object;
    if (e.type === "DELETED") {
      const existing = sim.get(kind, object.metadata?.namespace, object.metadata?.name ?? "", object.apiVersion);
      if (existing) {
        sim.remove(object.apiVersion ?? "", kind, object.metadata?.namespace, object.metadata?.name ?? "");
        result.deleted++;
      }
    } else {
      sim.apply(object);
      result.applied++;
    }
    opts.onEvent?.(e, index);
  }
  return result;
}
