/**
 * The simulator's metrics API (metrics.k8s.io/v1beta1 pods and nodes), kept apart from the object
 * store because metrics-server is not one: no watch, no resourceVersion, and every answer is "the
 * latest scrape". So values are evaluated when asked:
 * - `timestamp` is the scrape time on the simulator's metrics clock (the scenario clock while a
 *   scenario plays, so `--speed 20` yields the same samples as 1x), unless a test fixed it;
 * - a value may be a linear ramp (the scenario `metrics` step's `over`) from the value it had
 *   when the ramp was set to its target;
 * - `fail(status)` answers every metrics request with that status (an absent API is 404,
 *   missing RBAC 403, a broken metrics-server 5xx), for the forwarder's resilience tests.
 */
import type { ServerResponse } from "node:http";
import { parseBytes } from "../../../shared/quantity.ts";
import { ApiError } from "../store.ts";
import type { NodeMetricsInput, PodMetricsInput, Usage } from "../types.ts";
import { sendJson } from "./respond.ts";
import type { ResourcePath } from "./resource-path.ts";

interface Ramp {
  from: number;
  to: number;
  startMs: number;
  endMs: number;
}

interface Reading {
  cpu?: string;
  memory?: string;
  ramp?: Ramp;
}

interface Entry {
  readings: Map<string, Reading>;
  /** A fixed timestamp (tests); otherwise the clock at request time. */
  timestamp?: string;
}

const bytesOf = (quantity: string | undefined) => parseBytes(quantity);
/** metrics-server reports working sets in Ki. */
const kibibytes = (bytes: number) => `${Math.round(bytes / 1024)}Ki`;

const isoSeconds = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

export interface MetricsOptions {
  /** Start of a ramp on the metrics clock (default: now on it). */
  atMs?: number;
  /** Ramp linearly from the current value to the new one over this long (metrics clock). */
  overMs?: number;
}

export class MetricsBoard {
  private clock: () => number = Date.now;
  private failure: number | undefined;
  private readonly pods = new Map<string, Entry & { namespace: string; pod: string }>();
  private readonly nodes = new Map<string, Entry>();

  setClock(clock: (() => number) | undefined): void {
    this.clock = clock ?? Date.now;
  }

  now(): number {
    return this.clock();
  }

  fail(status: number | undefined): void {
    this.failure = status;
  }

  set(input: PodMetricsInput | NodeMetricsInput, opts: MetricsOptions = {}): void {
    let entry: Entry;
    let usages: Record<string, Usage>;
    if ("node" in input) {
      entry = this.nodes.get(input.node) ?? { readings: new Map() };
      this.nodes.set(input.node, entry);
      usages = { "": input.usage };
    } else {
      const id = `${input.namespace}/${input.pod}`;
      const podEntry = this.pods.get(id) ?? { namespace: input.namespace, pod: input.pod, readings: new Map<string, Reading>() };
      this.pods.set(id, podEntry);
      entry = podEntry;
      usages = input.containers;
    }
    if (input.timestamp) entry.timestamp = input.timestamp;
    const at = opts.atMs ?? this.clock();
    for (const [name, usage] of Object.entries(usages)) {
      const before = entry.readings.get(name);
      const reading: Reading = { ...before, ...usage };
      delete reading.ramp;
      const from = before ? this.memoryAt(before, at) : undefined;
      const to = bytesOf(usage.memory);
      if (opts.overMs && opts.overMs > 0 && from !== undefined && to !== undefined) {
        reading.ramp = { from, to, startMs: at, endMs: at + opts.overMs };
      }
      entry.readings.set(name, reading);
    }
  }

  /** Forgets a pod's metrics (metrics-server stops listing a deleted pod). */
  deletePod(namespace: string, pod: string): void {
    this.pods.delete(`${namespace}/${pod}`);
  }

  private memoryAt(r: Reading, atMs: number): number | undefined {
    if (!r.ramp) return bytesOf(r.memory);
    const { from, to, startMs, endMs } = r.ramp;
    if (atMs >= endMs) return to;
    if (atMs <= startMs) return from;
    return from + ((to - from) * (atMs - startMs)) / (endMs - startMs);
  }

  private usage(r: Reading, atMs: number): Usage {
    const memory = this.memoryAt(r, atMs);
    return { ...(r.cpu ? { cpu: r.cpu } : {}), ...(memory !== undefined ? { memory: r.ramp ? kibibytes(memory) : (r.memory ?? kibibytes(memory)) } : {}) };
  }

  /** GET of metrics.k8s.io pods/nodes, a list or one item. */
  serve(res: ServerResponse, path: ResourcePath): void {
    if (this.failure !== undefined) {
      const reason = this.failure === 404 ? "NotFound" : this.failure === 403 ? "Forbidden" : "InternalError";
      throw new ApiError(this.failure, reason, `the metrics API answers ${this.failure} (simulated)`);
    }
    const now = this.clock();
    const nodes = path.resource.kind === "NodeMetrics";
    const items: Record<string, unknown>[] = [];
    if (nodes) {
      for (const [name, e] of this.nodes) {
        if (path.name && path.name !== name) continue;
        const r = e.readings.get("");
        items.push({ metadata: { name }, timestamp: e.timestamp ?? isoSeconds(now), window: "20.05s", usage: r ? this.usage(r, now) : {} });
      }
    } else {
      for (const e of this.pods.values()) {
        if ((path.namespace !== undefined && path.namespace !== e.namespace) || (path.name && path.name !== e.pod)) continue;
        items.push({
          metadata: { name: e.pod, namespace: e.namespace },
          timestamp: e.timestamp ?? isoSeconds(now),
          window: "18.167s",
          containers: [...e.readings].map(([name, r]) => ({ name, usage: this.usage(r, now) })),
        });
      }
    }
    if (path.name) {
      const [item] = items;
      if (!item) throw new ApiError(404, "NotFound", `${path.resource.plural}.metrics.k8s.io "${path.name}" not found`);
      sendJson(res, 200, { kind: path.resource.kind, apiVersion: "metrics.k8s.io/v1beta1", ...item });
      return;
    }
    sendJson(res, 200, { kind: `${path.resource.kind}List`, apiVersion: "metrics.k8s.io/v1beta1", metadata: {}, items });
  }
}
