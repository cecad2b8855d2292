/** Builds an AnalysisContext from a fixture occurrence the way analyze does with event-time data. */
import type { AnalysisContext } from "../../shared/domain/context.ts";
import { DEFAULT_POLICY } from "../../shared/domain/policy.ts";
import type { Occurrence } from "../../shared/schema/occurrence.ts";

export function contextFor(o: Occurrence, extra: Partial<AnalysisContext> = {}): AnalysisContext {
  const pod = o.snapshot.pod;
  const containerName = o.container?.name ?? o.eviction?.containers[0]?.name;
  return {
    kind: o.kind,
    occurrence: o,
    pod,
    node: o.snapshot.node,
    container: pod?.containers.find((c) => c.name === containerName) ?? pod?.containers[0],
    usageBytes: o.eviction?.containers[0]?.usageBytes,
    occurrences: 1,
    oomsInWindow: o.kind === "ContainerOOM" ? 1 : undefined,
    clusterEvictionsInWindow: o.kind === "PodEviction" ? 1 : undefined,
    evictedPods:
      o.kind === "PodEviction" && pod ? [{ namespace: pod.namespace, pod: pod.name, qosClass: pod.qosClass, priorityClassName: pod.priorityClassName }] : undefined,
    policy: DEFAULT_POLICY,
    ...extra,
  };
}
