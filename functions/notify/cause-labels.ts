/** Readable labels for analyze's cause codes (shared/domain/causes.ts); unknown codes are shown as they are. */
const LABELS: Record<string, string> = {
  NO_MEMORY_LIMIT: "no memory limit: the container can take the node's memory",
  BESTEFFORT_QOS: "BestEffort QoS: first to be evicted or killed",
  LIMIT_REQUEST_RATIO_HIGH: "limit far above the request: the node is overcommitted",
  JVM_HEAP_TOO_LARGE: "JVM heap leaves too little room under the limit",
  NODE_HEAP_TOO_LARGE: "Node.js heap setting too close to the limit",
  GOMEMLIMIT_ABOVE_LIMIT: "GOMEMLIMIT at or above the container limit",
  USAGE_ABOVE_REQUEST: "using more memory than it requests",
  NODE_OVERCOMMITTED: "node overcommitted: memory limits exceed allocatable",
  FREQUENT_OOM: "OOM killed again and again",
  MASS_EVICTION: "mass eviction in the cluster",
  SYSTEM_OOM_VICTIM: "killed by the node's kernel OOM killer",
  PRIORITY_LOW: "low priority: evicted before others",
  MEMORY_LEAK: "memory leak: the working set kept growing; a higher limit only delays the next kill",
  SUDDEN_SPIKE: "sudden spike: well below the limit until just before the kill",
  STEADY_NEAR_LIMIT: "steady near the limit: undersized for its normal load",
};

export const causeLabel = (code: string): string | undefined => LABELS[code];
