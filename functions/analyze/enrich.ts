/**
 * Live enrichment: the current pod and node, the other pods on the node with their
 * requests/limits, and metrics-API usage. When the cluster cannot be reached the
 * event-time snapshot stands and the incident says why.
 */
import type { KubernetesAccess } from "../../shared/clients/kubernetes.ts";
import { nodeOf } from "../../shared/domain/grouping.ts";
import { type NodeSnapshot, NodeSnapshotSchema, type Occurrence, type PodSnapshot, PodSnapshotSchema } from "../../shared/schema/occurrence.ts";
import { nodeSnapshot, podSnapshot } from "../../shared/k8s/snapshot.ts";

export interface Enriched {
  pod?: PodSnapshot;
  node?: NodeSnapshot;
  /** Working set of the incident's container, when the metrics API answered. */
  containerUsage?: number;
  enrichment: "live" | "event-time-only";
  enrichmentError?: string;
}

const MAX_ERROR = 300;

export async function enrich(
  k8s: KubernetesAccess | undefined,
  o: Occurrence,
  event: { pod?: PodSnapshot; node?: NodeSnapshot },
  opts: { cluster?: string; container?: string },
): Promise<Enriched> {
  const fallback = (why: string): Enriched => ({ ...event, enrichment: "event-time-only", enrichmentError: why.slice(0, MAX_ERROR) });
  if (!k8s) return fallback("no Kubernetes access configured");
  if (opts.cluster && o.cluster !== opts.cluster) return fallback(`no access to cluster ${o.cluster} (this deployment watches ${opts.cluster})`);
  const nodeName = event.pod?.nodeName ?? nodeOf(o);
  const ev = event.pod;
  try {
    const [livePod, liveNode, podsOnNode, usage] = await Promise.all([
      ev ? k8s.readPod(ev.namespace, ev.name) : undefined,
      nodeName ? k8s.readNode(nodeName) : undefined,
      nodeName ? k8s.listPodsOnNode(nodeName) : [],
      nodeName ? k8s.memoryUsage(nodeName) : undefined,
    ]);
    // A recreated pod with the same name is another pod: keep the event-time one then.
    const samePod = livePod && ev && livePod.metadata?.uid === ev.uid;
    const pod =
      samePod && ev
        ? PodSnapshotSchema.parse({
            ...podSnapshot(livePod, { workload: ev.workload, owner: ev.owner }),
            namespaceAnnotations: ev.namespaceAnnotations,
            ...(ev.logTail ? { logTail: ev.logTail } : {}),
          })
        : ev;
    const node = liveNode
      ? NodeSnapshotSchema.parse(nodeSnapshot(liveNode, podsOnNode, usage ? { nodeMemory: usage.nodeMemory, podMemory: usage.podMemory } : {}))
      : event.node;
    const containerUsage = ev && opts.container ? usage?.containerMemory.get(`${ev.namespace}/${ev.name}/${opts.container}`) : undefined;
    return { pod, node, containerUsage, enrichment: "live" };
  } catch (err) {
    return fallback(`Kubernetes API unreachable: ${(err as Error).message ?? String(err)}`);
  }
}
