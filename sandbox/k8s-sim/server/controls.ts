/**
 * The simulator's object API for tests, scenarios and recordings: change objects,
 * logs and metrics directly (watchers see the changes as from any client), and
 * control the server itself (drop watches, compact history, outages, recorded requests).
 */
import { requireKind } from "../resources.ts";
import type { KubeObject, NodeMetricsInput, PodMetricsInput } from "../types.ts";
import type { MetricsOptions } from "./metrics.ts";
import type { RecordedRequest, SimState } from "./state.ts";

export interface SimulatorControls {
  /** Create or replace; bumps resourceVersion, emits watch events. Returns the stored object. */
  apply(obj: KubeObject): KubeObject;
  remove(apiVersion: string, kind: string, namespace: string | undefined, name: string): void;
  get<T extends KubeObject = KubeObject>(kind: string, namespace: string | undefined, name: string, apiVersion?: string): T | undefined;
  list<T extends KubeObject = KubeObject>(kind: string, apiVersion?: string): T[];
  setPodLog(namespace: string, pod: string, container: string, lines: string[], previous?: boolean): void;
  /**
   * Metrics-API usage of a node or of some of a pod's containers (others keep theirs). Without a
   * `timestamp` each answer is stamped with the metrics clock at request time; `overMs` ramps
   * linearly from the current value.
   */
  setMetrics(metrics: PodMetricsInput | NodeMetricsInput, opts?: MetricsOptions): void;
  /** The clock metrics timestamps and ramps run on (default the wall clock; a scenario sets its own). */
  setMetricsClock(clock: (() => number) | undefined): void;
  /** Answer every metrics.k8s.io request with this HTTP status (404 absent, 403 forbidden, 5xx); undefined: healthy. */
  failMetrics(status: number | undefined): void;
  /** Close every open watch connection cleanly (clients re-watch from their last resourceVersion). */
  dropWatches(): void;
  /** Forget history: the next watch (or continued list) from any resourceVersion held now gets 410 Gone. */
  compact(): void;
  /** When down, every request fails: the connection is reset (default) or answered 503. Open watches are cut. */
  setAvailable(up: boolean, how?: "reset" | "503"): void;
  requests(): RecordedRequest[];
  clearRequests(): void;
  /** Number of open watch connections (for tests waiting on a re-watch). */
  openWatches(): number;
  /** Current cluster-wide resourceVersion. */
  resourceVersion(): string;
}

export function simulatorControls(state: SimState): SimulatorControls {
  const { store } = state;
  return {
    apply(obj) {
      if (!obj.kind) throw new Error("k8s-sim apply: object has no kind");
      const { resourceVersion: _rv, ...metadata } = obj.metadata ?? {};
      return store.write(requireKind(obj.kind, obj.apiVersion), { ...obj, metadata }, "upsert");
    },
    remove(apiVersion, kind, namespace, name) {
      store.delete(requireKind(kind, apiVersion), namespace, name);
    },
    get<T extends KubeObject>(kind: string, namespace: string | undefined, name: string, apiVersion?: string) {
      const obj = store.get(requireKind(kind, apiVersion), namespace, name);
      return obj ? (structuredClone(obj) as T) : undefined;
    },
    list<T extends KubeObject>(kind: string, apiVersion?: string) {
      return store.list(requireKind(kind, apiVersion)).map((o) => structuredClone(o) as T);
    },
    setPodLog(namespace, pod, container, lines, previous = false) {
      state.logs.set(namespace, pod, container, lines, previous);
    },
    setMetrics: (metrics, opts) => state.metrics.set(metrics, opts),
    setMetricsClock: (clock) => state.metrics.setClock(clock),
    failMetrics: (status) => state.metrics.fail(status),
    dropWatches: () => dropWatches(state),
    compact: () => store.compact(),
    setAvailable(up, how = "reset") {
      state.outage = up ? undefined : how;
      if (!up) {
        for (const w of [...state.watches]) w.close(true);
      }
    },
    requests: () => state.requests.all(),
    clearRequests: () => state.requests.clear(),
    openWatches: () => state.watches.size,
    resourceVersion: () => String(store.currentRv()),
  };
}

/** Closes every open watch cleanly (also on stop). */
export function dropWatches(state: SimState): void {
  for (const w of [...state.watches]) w.close();
}
