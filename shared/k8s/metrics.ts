/**
 * Working sets from the metrics API (metrics.k8s.io, as metrics-server serves it).
 * The forwarder reads it for event-time evidence and analyze for live enrichment;
 * both read the lists through this one parser so they sum the same way.
 */
import { parseBytes } from "../quantity.ts";

/** The part of a NodeMetrics/PodMetrics item we read (client-node's typed and untyped lists both fit). */
export interface MetricsItem {
  metadata?: { name?: string; namespace?: string };
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
