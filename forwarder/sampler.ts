/**
 * The memory sampler: every interval one list of pod metrics and one of node metrics from
 * `metrics.k8s.io` (never a call per pod: at 10,000 pods that would be the forwarder's main load),
 * recorded into the MemoryHistory with the metrics API's own timestamps. Only running containers
 * of pods in the informer cache are kept (metrics-server may still list a pod that just ended),
 * keyed by pod UID + container so a restart keeps the run-up.
 *
 * Both replicas sample, so a failover keeps the trend. When the metrics API is absent, forbidden or
 * failing, a round records nothing: one log line per change of state, a counter per failed round.
 */
import type { Metrics, V1Pod } from "@kubernetes/client-node";
import { containerReadings, type NodeReading, nodeReadings } from "../shared/k8s/metrics.ts";
import { resources } from "../shared/k8s/snapshot.ts";
import { containerTypes } from "../shared/k8s/containers.ts";
import type { TopContainer } from "../shared/schema/memory.ts";
import { type ContainerType, MAX_TOP_CONTAINERS } from "../shared/schema/occurrence.ts";
import type { Logger } from "./log.ts";
import { containerKey, type MemoryHistory, nodeKey } from "./memory-history.ts";
import type { ForwarderMetrics } from "./metrics.ts";
import { withTimeout } from "./timeout.ts";

/** A running container as seen in the latest round. */
export interface SampledContainer {
  podUid: string;
  namespace: string;
  pod: string;
  container: string;
  type: ContainerType;
  node?: string;
  bytes: number;
  epochSeconds: number;
  limitBytes?: number;
  requestBytes?: number;
}

export interface SamplingRound {
  containers: SampledContainer[];
  nodes: NodeReading[];
}

export type MetricsErrorReason = "not-found" | "forbidden" | "server-error" | "timeout" | "unavailable";

export interface SamplerOptions {
  metrics: Pick<Metrics, "getPodMetrics" | "getNodeMetrics">;
  history: MemoryHistory;
  /** Pods of the informer cache (the pod → UID and pod → node mapping comes from here). */
  pods: () => Iterable<V1Pod>;
  logger: Logger;
  counters: ForwarderMetrics;
  timeoutMs: number;
}

export interface Sampler {
  /** One round: list, record, return what was seen (undefined when the metrics API failed). */
  round(): Promise<SamplingRound | undefined>;
  /** Largest working sets on a node in the latest round (at most MAX_TOP_CONTAINERS). */
  topContainers(node: string, n?: number): TopContainer[];
}

/** Why a metrics call failed, as a low-cardinality metric label. */
export function metricsErrorReason(err: unknown): MetricsErrorReason {
  const code = (err as { code?: unknown })?.code;
  if (code === 404) return "not-found";
  if (code === 401 || code === 403) return "forbidden";
  if (typeof code === "number" && code >= 500) return "server-error";
  if (err instanceof Error && /timed out/.test(err.message)) return "timeout";
  return "unavailable";
}

/** Running containers of a pod with their memory limit and request (sidecars included). */
type ContainerSpecInfo = { type: ContainerType; limitBytes?: number; requestBytes?: number };

function runningContainers(pod: V1Pod): Map<string, ContainerSpecInfo> {
  const specs = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  const statuses = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])];
  const types = containerTypes(pod);
  const out = new Map<string, ContainerSpecInfo>();
  for (const s of statuses) {
    if (!s.state?.running) continue;
    const spec = specs.find((c) => c.name === s.name);
    out.set(s.name, {
      type: types.get(s.name) ?? "regular",
      limitBytes: resources(spec?.resources?.limits as Record<string, string> | undefined).memory,
      requestBytes: resources(spec?.resources?.requests as Record<string, string> | undefined).memory,
    });
  }
  return out;
}

/**
 * Each node's largest working sets, largest first: all that is kept of a round between rounds
 * (a whole round is an object per container, 20,000 at 10,000 pods).
 */
function topByNode(containers: readonly SampledContainer[]): Map<string, TopContainer[]> {
  const byNode = new Map<string, SampledContainer[]>();
  for (const c of containers) {
    if (!c.node) continue;
    const list = byNode.get(c.node);
    if (list) list.push(c);
    else byNode.set(c.node, [c]);
  }
  const top = new Map<string, TopContainer[]>();
  for (const [node, list] of byNode) {
    list.sort((a, b) => b.bytes - a.bytes);
    top.set(
      node,
      list.slice(0, MAX_TOP_CONTAINERS).map((c) => ({
        namespace: c.namespace,
        pod: c.pod,
        container: c.container,
        workingSetBytes: c.bytes,
        ...(c.limitBytes !== undefined ? { limitBytes: c.limitBytes } : {}),
        ...(c.requestBytes !== undefined ? { requestBytes: c.requestBytes } : {}),
      })),
    );
  }
  return top;
}

export function createSampler(opts: SamplerOptions): Sampler {
  const { history, logger, counters } = opts;
  let state: "ok" | MetricsErrorReason | undefined;
  let latestTop = new Map<string, TopContainer[]>();

  function setState(next: "ok" | MetricsErrorReason, error?: unknown): void {
    if (next === state) return;
    if (next === "ok") logger.info("metrics API answers: sampling memory", {});
    else logger.warn("metrics API unavailable: no memory samples", { reason: next, error: String(error) });
    state = next;
  }

  return {
    async round() {
      let podList: Awaited<ReturnType<Metrics["getPodMetrics"]>>;
      let nodeList: Awaited<ReturnType<Metrics["getNodeMetrics"]>>;
      try {
        [podList, nodeList] = await Promise.all([
          withTimeout(opts.metrics.getPodMetrics(), opts.timeoutMs, "pod metrics"),
          withTimeout(opts.metrics.getNodeMetrics(), opts.timeoutMs, "node metrics"),
        ]);
      } catch (err) {
        const reason = metricsErrorReason(err);
        counters.metricsError(reason);
        setState(reason, err);
        return undefined;
      }
      setState("ok");
      const byName = new Map<string, V1Pod>();
      for (const p of opts.pods()) byName.set(`${p.metadata?.namespace}/${p.metadata?.name}`, p);
      const running = new Map<string, ReturnType<typeof runningContainers>>();
      const containers: SampledContainer[] = [];
      let recorded = 0;
      let newest = 0;
      for (const r of containerReadings(podList)) {
        const id = `${r.namespace}/${r.pod}`;
        const pod = byName.get(id);
        const uid = pod?.metadata?.uid;
        if (!pod || !uid) continue;
        let live = running.get(id);
        if (!live) {
          live = runningContainers(pod);
          running.set(id, live);
        }
        const spec = live.get(r.container);
        if (!spec) continue;
        if (history.record(containerKey(uid, r.container), r.epochSeconds, r.bytes)) recorded++;
        newest = Math.max(newest, r.epochSeconds);
        containers.push({ podUid: uid, namespace: r.namespace, pod: r.pod, container: r.container, node: pod.spec?.nodeName, bytes: r.bytes, epochSeconds: r.epochSeconds, ...spec });
      }
      const nodes = nodeReadings(nodeList);
      for (const n of nodes) {
        if (history.record(nodeKey(n.node), n.epochSeconds, n.bytes)) recorded++;
        newest = Math.max(newest, n.epochSeconds);
      }
      counters.memorySamples(recorded);
      // Safety net for deletions the informer missed (a relist drops silently): nothing sampled for a window.
      if (newest > 0) history.pruneOlderThan(newest - history.windowSeconds);
      latestTop = topByNode(containers);
      return { containers, nodes };
    },
    topContainers(node, n = MAX_TOP_CONTAINERS) {
      // Copies: the caller puts them into an occurrence, which message trimming may change.
      return (latestTop.get(node) ?? []).slice(0, n).map((c) => ({ ...c }));
    },
  };
}
