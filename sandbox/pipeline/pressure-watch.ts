/**
 * Watches the cluster's nodes for the sandbox display: a node whose MemoryPressure condition
 * goes from True to False is reported once, so the terminal shows pressure ending as well as
 * starting (the forwarder reports only the start, as an occurrence).
 *
 * It uses the forwarder's informer (forwarder/watch.ts: relists, restarts, bookmarks) with the
 * forwarder's kubeconfig, whose RBAC already allows listing and watching nodes. A node seen for
 * the first time, or again after a relist, only records its state: nothing is reported for
 * pressure that cleared before the sandbox was watching.
 */
import { CoreV1Api, type KubeConfig, type V1Node } from "@kubernetes/client-node";
import type { Logger } from "../../forwarder/log.ts";
import { type ChangeVerb, ResilientInformer } from "../../forwarder/watch.ts";
import { toIso } from "../../shared/k8s/time.ts";

export interface PressureCleared {
  node: string;
  /** When the condition turned False (its lastTransitionTime), when the node says. */
  at?: string;
  /** The kubelet's reason, e.g. `KubeletHasSufficientMemory`. */
  reason?: string;
}

/** Remembers each node's MemoryPressure and tells which change ends pressure. */
export class PressureTracker {
  private readonly underPressure = new Map<string, boolean>();

  /** The clearing this change of `node` is, if it is one. */
  apply(node: V1Node, verb: ChangeVerb): PressureCleared | undefined {
    const name = node.metadata?.name;
    if (!name) return undefined;
    if (verb === "delete") {
      this.underPressure.delete(name);
      return undefined;
    }
    const cond = node.status?.conditions?.find((c) => c.type === "MemoryPressure");
    const now = cond?.status === "True";
    const before = this.underPressure.get(name);
    this.underPressure.set(name, now);
    if (before !== true || now) return undefined;
    const at = toIso(cond?.lastTransitionTime);
    return { node: name, ...(at ? { at } : {}), ...(cond?.reason ? { reason: cond.reason } : {}) };
  }
}

export interface PressureWatch {
  stop(): Promise<void>;
}

export async function startPressureWatch(opts: { kubeConfig: KubeConfig; logger: Logger; onCleared: (c: PressureCleared) => void }): Promise<PressureWatch> {
  const core = opts.kubeConfig.makeApiClient(CoreV1Api);
  const tracker = new PressureTracker();
  const informer = new ResilientInformer<V1Node>({
    kubeConfig: opts.kubeConfig,
    resource: "nodes (sandbox display)",
    path: "/api/v1/nodes",
    list: (transform) => core.listNode().then((l) => ({ ...l, items: l.items.map(transform) })),
    backoff: { baseMs: 200, capMs: 5000 },
    watchTimeoutSeconds: 300,
    listTimeoutMs: 10_000,
    logger: opts.logger,
    onChange: (node, verb) => {
      const cleared = tracker.apply(node, verb);
      if (cleared) opts.onCleared(cleared);
    },
    onRestart: () => {},
  });
  await informer.start();
  return { stop: () => informer.stop() };
}
