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

export interface ReplayOptions {
  /** Time multiplier for the gaps between recorded changes (default 1). */
  speed?: number;
  signal?: AbortSignal;
  /** Gap when a change has no timestamp (default 50 ms, before speed). */
  gapMs?: number;
  /** Longest wait between two changes (default 5 s, before speed): idle stretches are skipped. */
  maxGapMs?: number;
  /**
   * Move each change's timestamps so its latest one is the moment it is applied (default true):
   * the replay then looks live to a forwarder that ignores old terminations.
   */
  retime?: boolean;
  onEvent?: (e: RecordedEvent, index: number) => void;
}

export interface ReplayResult {
  applied: number;
  deleted: number;
  /** Kinds the simulator does not serve, with how many changes were skipped. */
  skipped: Record<string, number>;
}

/** Applies recorded changes to the simulator with their original pacing (scaled by speed). */
export async function replayRecording(sim: K8sSimulator, events: RecordedEvent[], opts: ReplayOptions = {}): Promise<ReplayResult> {
  const speed = opts.speed ?? 1;
  if (!(speed > 0)) throw new Error(`replayRecording: speed must be > 0, got ${speed}`);
  const gapMs = opts.gapMs ?? 50;
  const maxGapMs = opts.maxGapMs ?? 5000;
  const times = events.map(eventTime);
  const result: ReplayResult = { applied: 0, deleted: 0, skipped: {} };
  let previous: number | undefined;
  for (const [index, e] of events.entries()) {
    const time = times[index];
    if (index > 0) {
      const gap = time !== undefined && previous !== undefined ? Math.min(Math.max(0, time - previous), maxGapMs) : gapMs;
      if (gap > 0) await sleep(gap / speed, undefined, opts.signal ? { signal: opts.signal } : {});
    }
    opts.signal?.throwIfAborted();
    if (time !== undefined) previous = Math.max(previous ?? time, time);
    if (e.type === "BOOKMARK" || e.type === "ERROR") continue;
    const kind = e.object.kind ?? "";
    if (!findByKind(kind, e.object.apiVersion) && !findByKind(kind)) {
      result.skipped[kind] = (result.skipped[kind] ?? 0) + 1;
      continue;
    }
    const object = opts.retime !== false && time !== undefined ? shiftTimes(e.object, Date.now() - time) : e.object;
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
