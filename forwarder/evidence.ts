/**
 * The API lookups behind a snapshot, all bounded by a timeout and cached, all
 * optional: a failed lookup costs evidence, never the occurrence.
 * - top owner: Deployment through its ReplicaSet, CronJob through its Job (a GET each, cached);
 *   an unreadable ReplicaSet named `<deployment>-<pod-template-hash>` still names its Deployment
 * - metrics API: node and pod working sets, both cluster-wide lists fetched once per few seconds
 *   for every node (a storm over many nodes must not relist 10,000 pods per occurrence)
 * - previous container log tail (opt-in), redacted
 */
import type { AppsV1Api, BatchV1Api, CoreV1Api, Metrics, V1Pod } from "@kubernetes/client-node";
import { type MemoryUsage, type MetricsItem, memoryUsageOf } from "../shared/k8s/metrics.ts";
import type { OwnerRef } from "../shared/schema/occurrence.ts";
import type { Logger } from "./log.ts";
import { redact } from "../shared/redact.ts";
import { directOwner, type NodeMetricsInput } from "../shared/k8s/snapshot.ts";
import { withTimeout } from "./timeout.ts";

export interface EvidenceApis {
  core: CoreV1Api;
  apps: AppsV1Api;
  batch: BatchV1Api;
  metrics: Metrics;
}

export interface EvidenceOptions {
  apis: EvidenceApis;
  logger: Logger;
  timeoutMs?: number;
  ownerCacheMs?: number;
  metricsCacheMs?: number;
  logLines?: number;
  logBytes?: number;
}

class TtlCache<V> {
  private readonly entries = new Map<string, { value: Promise<V>; at: number }>();
  constructor(
    private readonly ttlMs: number,
    private readonly max = 5000,
    /** Keep failures for the TTL too (an absent metrics API should not be asked per occurrence). */
    private readonly cacheFailures = false,
  ) {}
  get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.value;
    const value = load();
    if (!this.cacheFailures) value.catch(() => this.entries.delete(key));
    this.entries.set(key, { value, at: Date.now() });
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
    return value;
  }
}

/** Both metrics lists of one fetch: the node list as served, the pods already summed. */
interface ClusterMetrics {
  nodes: { items?: MetricsItem[] };
  pods: MemoryUsage;
}
const CLUSTER = "cluster";

export interface Evidence {
  owners(pod: V1Pod): Promise<{ owner?: OwnerRef; workload: OwnerRef }>;
  nodeMetrics(node: string): Promise<NodeMetricsInput>;
  logTail(pod: V1Pod, container: string, previous: boolean): Promise<string[] | undefined>;
}

export function createEvidence(opts: EvidenceOptions): Evidence {
  const { apis, logger } = opts;
  const timeoutMs = opts.timeoutMs ?? 3000;
  const owners = new TtlCache<OwnerRef | undefined>(opts.ownerCacheMs ?? 10 * 60_000);
  // One entry: the lists are cluster-wide, so every node's snapshot reads the same fetch.
  const metrics = new TtlCache<ClusterMetrics>(opts.metricsCacheMs ?? 5_000, 1, true);

  /** Controller of a ReplicaSet or Job, or undefined when it has none. */
  async function parentOf(namespace: string, ref: OwnerRef, templateHash: string | undefined): Promise<OwnerRef | undefined> {
    return owners.get(`${namespace}/${ref.kind}/${ref.name}`, async () => {
      try {
        const obj =
          ref.kind === "ReplicaSet"
            ? await withTimeout(apis.apps.readNamespacedReplicaSet({ name: ref.name, namespace }), timeoutMs, "get replicaset")
            : await withTimeout(apis.batch.readNamespacedJob({ name: ref.name, namespace }), timeoutMs, "get job");
        return directOwner(obj);
      } catch (err) {
        logger.debug("owner lookup failed", { namespace, owner: `${ref.kind}/${ref.name}`, error: String(err) });
        throw err;
      }
    }).catch(() => deploymentByTemplateHash(ref, templateHash));
  }

  return {
    async owners(pod) {
      const owner = directOwner(pod);
      const namespace = pod.metadata?.namespace ?? "";
      if (!owner) return { workload: { kind: "Pod", name: pod.metadata?.name ?? "" } };
      if (owner.kind !== "ReplicaSet" && owner.kind !== "Job") return { owner, workload: owner };
      const parent = await parentOf(namespace, owner, pod.metadata?.labels?.["pod-template-hash"]);
      return { owner, workload: parent ?? owner };
    },

    nodeMetrics(node) {
      return metrics
        .get(CLUSTER, async () => {
          const [nodes, pods] = await Promise.all([
            withTimeout(apis.metrics.getNodeMetrics(), timeoutMs, "node metrics"),
            withTimeout(apis.metrics.getPodMetrics(), timeoutMs, "pod metrics"),
          ]);
          // The pod maps are built once per fetch; only the node's own value is looked up per call.
          return { nodes, pods: memoryUsageOf("", { items: [] }, pods) };
        })
        .then(({ nodes, pods }): NodeMetricsInput => ({ nodeMemory: memoryUsageOf(node, nodes, {}).nodeMemory, podMemory: pods.podMemory }))
        .catch((err) => {
          logger.debug("metrics API unavailable", { error: String(err) });
          return {};
        });
    },

    async logTail(pod, container, previous) {
      const lines = opts.logLines ?? 50;
      const bytes = opts.logBytes ?? 16 * 1024;
      try {
        const text = await withTimeout(
          apis.core.readNamespacedPodLog({
            name: pod.metadata?.name ?? "",
            namespace: pod.metadata?.namespace ?? "",
            container,
            previous,
            tailLines: lines,
            limitBytes: bytes,
          }),
          timeoutMs,
          "pod log",
        );
        return String(text)
          .slice(-bytes)
          .split("\n")
          .filter((l) => l.length > 0)
          .slice(-lines)
          .map((l) => redact(l.slice(0, 1000)));
      } catch (err) {
        logger.debug("log capture failed", { pod: pod.metadata?.name, container, error: String(err) });
        return undefined;
      }
    },
  };
}

/**
 * Without the ReplicaSet (no read access, or gone), the Deployment controller's naming still
 * tells: it names a ReplicaSet `<deployment>-<pod-template-hash>` and labels its pods with that
 * hash. A name without the pod's hash as suffix is not guessed at; a Job without its object
 * keeps its own name (a CronJob's suffix is a schedule time, not a label).
 */
function deploymentByTemplateHash(ref: OwnerRef, templateHash: string | undefined): OwnerRef | undefined {
  const suffix = `-${templateHash}`;
  if (ref.kind !== "ReplicaSet" || !templateHash || !ref.name.endsWith(suffix) || ref.name.length === suffix.length) return undefined;
  return { kind: "Deployment", name: ref.name.slice(0, -suffix.length) };
}
