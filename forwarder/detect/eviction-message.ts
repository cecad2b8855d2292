/**
 * Parser for the kubelet's eviction messages and Event annotations
 * (pkg/kubelet/eviction/helpers.go). Formats handled:
 * - `The node was low on resource: memory. Threshold quantity: 100Mi, available: 91Mi. `
 * - new container part: `Container app was using 1Gi, request is 512Mi, has larger consumption of memory. `
 * - old container part: `Container app was using 1Gi, which exceeds its request of 512Mi. `
 * - local-storage evictions: `Pod ephemeral local storage usage exceeds ...`,
 *   `Container app exceeded its local ephemeral storage limit "1Gi". `, `Usage of EmptyDir volume ...`
 * - admission rejection under pressure: `The node had condition: [MemoryPressure]. `
 * Annotations on the `Evicted` Event: `offending_containers`, `offending_containers_usage`
 * (comma separated, same order) and `starved_resource`.
 */
import { parseBytes } from "../../shared/quantity.ts";
import type { EvictionDetail } from "../../shared/schema/occurrence.ts";

export type EvictionResource = EvictionDetail["resource"];
export type ParsedEviction = Omit<EvictionDetail, "signal" | "containers"> & {
  containers: { name: string; usageBytes?: number; requestBytes?: number }[];
};

const NODE_LOW = /The node was low on resource: ([\w./-]+)\./;
const THRESHOLD = /Threshold quantity: (\S+?), available: (\S+?)\.(?:\s|$)/;
const CONTAINER_NEW = /Container (\S+) was using (\S+?), request is (\S+?), has larger consumption of ([\w./-]+)\./g;
const CONTAINER_OLD = /Container (\S+) was using (\S+?), which exceeds its request of (\S+?)\.(?:\s|$)/g;
const LOCAL_STORAGE =
  /Pod ephemeral local storage usage exceeds|exceeded its local ephemeral storage limit|Usage of EmptyDir volume/;
const NODE_CONDITION = /The node had condition: \[([^\]]*)\]/;

const CONDITION_RESOURCE: Record<string, EvictionResource> = {
  MemoryPressure: "memory",
  DiskPressure: "ephemeral-storage",
  PIDPressure: "pids",
};

/** Maps a kubelet resource name (or eviction signal) to the schema's resource enum. */
export function normalizeResource(name: string): EvictionResource {
  const n = name.trim().toLowerCase();
  if (n === "memory" || n.startsWith("memory.")) return "memory";
  if (n === "ephemeral-storage") return "ephemeral-storage";
  if (n === "pids" || n.startsWith("pid.")) return "pids";
  if (n.startsWith("nodefs")) return "nodefs";
  if (n.startsWith("imagefs")) return "imagefs";
  return "other";
}

function csv(value: string | undefined): string[] {
  return value ? value.split(",").map((s) => s.trim()) : [];
}

/**
 * Parses an eviction message plus optional Event annotations. Returns undefined when
 * the text is not a kubelet eviction (e.g. graceful node shutdown, preemption).
 */
export function parseEvictionMessage(
  message: string | undefined,
  annotations: Record<string, string> = {},
): ParsedEviction | undefined {
  const text = message ?? "";
  let resource: EvictionResource | undefined;
  const low = NODE_LOW.exec(text);
  if (low?.[1]) resource = normalizeResource(low[1]);
  else if (LOCAL_STORAGE.test(text)) resource = "ephemeral-storage";
  else {
    const cond = NODE_CONDITION.exec(text);
    const first = cond?.[1]?.split(/[\s,]+/).find((c) => c in CONDITION_RESOURCE);
    if (first) resource = CONDITION_RESOURCE[first];
  }
  const starved = annotations.starved_resource;
  if (starved) resource = normalizeResource(starved);
  if (!resource) return undefined;

  const result: ParsedEviction = { resource, containers: [] };
  const threshold = THRESHOLD.exec(text);
  if (threshold) {
    result.thresholdBytes = parseBytes(threshold[1]);
    result.availableBytes = parseBytes(threshold[2]);
  }
  const byName = new Map<string, { name: string; usageBytes?: number; requestBytes?: number }>();
  const add = (name: string, usage?: string, request?: string) => {
    const entry = byName.get(name) ?? { name };
    const usageBytes = parseBytes(usage);
    const requestBytes = parseBytes(request);
    if (usageBytes !== undefined) entry.usageBytes = usageBytes;
    if (requestBytes !== undefined) entry.requestBytes = requestBytes;
    byName.set(name, entry);
  };
  for (const m of text.matchAll(CONTAINER_NEW)) add(m[1]!, m[2], m[3]);
  for (const m of text.matchAll(CONTAINER_OLD)) add(m[1]!, m[2], m[3]);
  const names = csv(annotations.offending_containers);
  const usages = csv(annotations.offending_containers_usage);
  names.forEach((name, i) => {
    if (name) add(name, usages[i]);
  });
  result.containers = [...byName.values()];
  return result;
}
