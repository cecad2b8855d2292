/** Pure detection: Kubernetes objects in, memory-incident occurrences (with deterministic keys) out. */
export { detectFromEvent, eventTime } from "./event.ts";
export { parseEvictionMessage, normalizeResource, type ParsedEviction } from "./eviction-message.ts";
export { detectFromNode, detectNodeGone } from "./node.ts";
export { detectContainerOOMs, detectFromPod, detectPodEviction } from "./pod.ts";
export type { DetectedOccurrence, Detection } from "./types.ts";
