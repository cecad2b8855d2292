/**
 * Working sets from the metrics API (metrics.k8s.io, as metrics-server serves it).
 * The forwarder reads it for event-time evidence and analyze for live enrichment;
 * both read the lists through this one parser so they sum the same way.
 */
import { parseBytes } from "../quantity.ts";

/** The part of a NodeMetrics/PodMetrics item we read (client-node's typed and untyped lists both fit). */
export interface MetricsItem {
  metadata?: { name?: string; namespace?: string };
  /** When metrics-server scraped the value (RFC 3339); the forwarder's history is keyed on it. */
  timestamp?: string | Date;
  usage?: { memory?: string };
  containers?: { name?: string; usage?: { memory?: string } }[];
}

export interface MemoryUsage {
  /** Working set of the node in bytes; undefined when the node is not listed. */
  nodeMemory?: number;
  /** Pod working set by `namespace/name`: the sum of its containers. */
  podMemory: Map<string, number>;
  /** Container working set by `namespace/pod/container`. */
  containerMemory: Map<string, number>;
}

/** Memory usage of `node` and of every listed pod, from the node and pod metrics lists. */
export function memoryUsageOf(node: string, nodes: { items?: MetricsItem[] }, pods: { items?: MetricsItem[] }): MemoryUsage {
  const podMemory = new Map<string, number>();
  const containerMemory = new Map<string, number>();
  for (const p of pods.items ?? []) {
    const id = `${p.metadata?.namespace}/${p.metadata?.name}`;
    let sum = 0;
    for (const c of p.containers ?? []) {
      const bytes = parseBytes(c.usage?.memory) ?? 0;
      containerMemory.set(`${id}/${c.name}`, bytes);
      sum += bytes;
    }
    podMemory.set(id, sum);
  }
  const nodeMemory = parseBytes(nodes.items?.find((n) => n.metadata?.name === node)?.usage?.memory);
  return { nodeMemory, podMemory, containerMemory };
}

/** One working-set reading with the metrics API's own time (epoch seconds), not the arrival time. */
export interface ContainerReading {
  namespace: string;
  pod: string;
  container: string;
  bytes: number;
  epochSeconds: number;
}

export interface NodeReading {
  node: string;
  bytes: number;
  epochSeconds: number;
}

/** Epoch seconds of an RFC 3339 time (or Date); undefined when absent or unparsable. */
export const epochOf = (t: string | Date | undefined): number | undefined => {
  const ms = t instanceof Date ? t.getTime() : t ? Date.parse(t) : Number.NaN;
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : undefined;
};

/** Every container's working set from a pod metrics list; items without a time or a memory value are skipped. */
export function containerReadings(pods: { items?: MetricsItem[] }): ContainerReading[] {
  const out: ContainerReading[] = [];
  for (const p of pods.items ?? []) {
    const epochSeconds = epochOf(p.timestamp);
    const namespace = p.metadata?.namespace;
    const pod = p.metadata?.name;
    if (epochSeconds === undefined || !namespace || !pod) continue;
    for (const c of p.containers ?? []) {
      const bytes = parseBytes(c.usage?.memory);
      if (bytes !== undefined && c.name) out.push({ namespace, pod, container: c.name, bytes, epochSeconds });
    }
  }
  return out;
}

/** Every node's working set from a node metrics list. */
export function nodeReadings(nodes: { items?: MetricsItem[] }): NodeReading[] {
  const out: NodeReading[] = [];
  for (const n of nodes.items ?? []) {
    const epochSeconds = epochOf(n.timestamp);
    const bytes = parseBytes(n.usage?.memory);
    if (epochSeconds !== undefined && bytes !== undefined && n.metadata?.name) out.push({ node: n.metadata.name, bytes, epochSeconds });
  }
  return out;
}
