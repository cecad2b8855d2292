/** Machine-readable cause codes (documented in docs/causes.md; names are a contract). */
export const CAUSE_CODES = [
  "NO_MEMORY_LIMIT",
  "BESTEFFORT_QOS",
  "LIMIT_REQUEST_RATIO_HIGH",
  "JVM_HEAP_TOO_LARGE",
  "NODE_HEAP_TOO_LARGE",
  "GOMEMLIMIT_ABOVE_LIMIT",
  "USAGE_ABOVE_REQUEST",
  "NODE_OVERCOMMITTED",
  "FREQUENT_OOM",
  "MASS_EVICTION",
  "SYSTEM_OOM_VICTIM",
  "PRIORITY_LOW",
  // From the memory trace's shape (shared/memory/shape.ts).
  "MEMORY_LEAK",
  "SUDDEN_SPIKE",
  "STEADY_NEAR_LIMIT",
] as const;
export type CauseCode = (typeof CAUSE_CODES)[number];
