/**
 * Assembles a full occurrence from a detection: cluster, observedAt and the
 * evidence snapshot (pod, node, owners, namespace routing metadata, metrics,
 * optional log tail), looking objects up in the informer caches.
 */
import type { CoreV1Event, V1Namespace, V1Node, V1Pod } from "@kubernetes/client-node";
import { OCCURRENCE_VERSION, type OccurrenceInput } from "../shared/schema/occurrence.ts";
import { type Detection, parseEvictionMessage } from "./detect/index.ts";
import type { Evidence } from "./evidence.ts";
import { nodeSnapshot, podSnapshot } from "../shared/k8s/snapshot.ts";

export interface Caches {
  pod(uid: string): V1Pod | undefined;
  podsOnNode(node: string): V1Pod[];
  evictedEvent(podUid: string): CoreV1Event | undefined;
  node(name: string): V1Node | undefined;
  namespace(name: string): V1Namespace | undefined;
}

export interface AssemblerOptions {
  cluster: string;
  captureLogs: boolean;
  evidence: Evidence;
  caches: Caches;
}

/** The occurrence without evidence (also the fallback when gathering evidence fails). */
export function bareOccurrence(d: Detection, cluster: string): OccurrenceInput {
  return { version: OCCURRENCE_VERSION, ...d.occurrence, cluster, observedAt: new Date().toISOString(), snapshot: {} };
}

export function createAssembler(opts: AssemblerOptions): (d: Detection) => Promise<OccurrenceInput> {
  const { caches, evidence } = opts;

  /** Log tail of the OOM-killed instance: the current one while still terminated, else the previous one. */
  async function logTailFor(pod: V1Pod, container: string): Promise<string[] | undefined> {
    const status = [
      ...(pod.status?.containerStatuses ?? []),
      ...(pod.status?.initContainerStatuses ?? []),
      ...(pod.status?.ephemeralContainerStatuses ?? []),
    ].find((s) => s.name === container);
    return evidence.logTail(pod, container, !status?.state?.terminated);
  }

  return async (d) => {
    const o = d.occurrence;
    const input = bareOccurrence(d, opts.cluster);
    const pod = o.pod ? caches.pod(o.pod.uid) : undefined;
    if (o.kind === "PodEviction" && o.pod) {
      // The Event carries the kubelet's annotations (per-container usage); the pod status does not.
      const ev = caches.evictedEvent(o.pod.uid);
      const parsed = ev && parseEvictionMessage(ev.message, ev.metadata?.annotations ?? {});
      if (parsed && o.eviction && parsed.resource === o.eviction.resource) input.eviction = { ...parsed, signal: o.eviction.signal };
      input.node ??= pod?.spec?.nodeName;
    }
    if (pod) {
      const { owner, workload } = await evidence.owners(pod);
      const namespaceMeta = caches.namespace(pod.metadata?.namespace ?? "")?.metadata;
      const logTail = opts.captureLogs && o.kind === "ContainerOOM" && o.container ? await logTailFor(pod, o.container.name) : undefined;
      input.snapshot.pod = podSnapshot(pod, { owner, workload, namespaceMeta, logTail });
    }
    const nodeName = input.node;
    const node = nodeName ? caches.node(nodeName) : undefined;
    if (node && nodeName) {
      input.snapshot.node = nodeSnapshot(node, caches.podsOnNode(nodeName), await evidence.nodeMetrics(nodeName));
    }
    return input;
  };
}
