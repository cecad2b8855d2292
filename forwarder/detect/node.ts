/**
 * Node memory pressure from the node object's `MemoryPressure` condition.
 *
 * - True: a NodeMemoryPressure occurrence. The key carries the transition time, so one
 *   pressure episode is one occurrence however often the node is updated or relisted.
 * - False: a "pressure cleared" signal (same kind, `pressure.status` False, key
 *   `pressure-cleared:...`): node incidents stay open until their node's pressure clears
 *   (docs/design.md "Incident lifecycle"). It is not an occurrence: the forwarder does not count
 *   it as observed and ingest only records it. A False set when the node registered (transition
 *   within NODE_REGISTRATION_MS of its creation) is the node's first state, not a clear, unless
 *   this forwarder saw the node under pressure: a healthy node sends nothing.
 * - A node deleted while under pressure clears it too: nothing will report it False any more.
 */
import type { V1Node, V1NodeCondition } from "@kubernetes/client-node";
import { NODE_CONDITION_SOURCE } from "../../shared/domain/node-pressure.ts";
import { toIso, trimMessage } from "../../shared/k8s/time.ts";
import type { Detection } from "./types.ts";

const memoryPressure = (node: V1Node): V1NodeCondition | undefined => node.status?.conditions?.find((c) => c.type === "MemoryPressure");

function cleared(name: string, key: string, at: string, reason: string | undefined, message?: string): Detection {
  return {
    occurrence: {
      key,
      kind: "NodeMemoryPressure",
      occurredAt: at,
      source: NODE_CONDITION_SOURCE,
      node: name,
      pressure: { status: "False", reason },
      message: trimMessage(message),
    },
  };
}

/**
 * How long after its creation a node's condition still counts as its first state. A clear needs
 * a True before it, and the kubelet keeps a condition True for its eviction-pressure-transition-period
 * (5 min by default), so a real clear this early is one the forwarder saw the True of.
 */
export const NODE_REGISTRATION_MS = 10 * 60_000;

/** The False condition a node registered with (or a node without a creation time: nothing says otherwise). */
function firstState(node: V1Node, transition: string): boolean {
  const created = toIso(node.metadata?.creationTimestamp);
  return created === undefined || Date.parse(transition) - Date.parse(created) < NODE_REGISTRATION_MS;
}

/** `sawPressure`: this forwarder saw the node's MemoryPressure True (so a False is a clear, however early). */
export function detectFromNode(node: V1Node, sawPressure = false): Detection[] {
  const name = node.metadata?.name;
  const cond = memoryPressure(node);
  if (!name || !cond) return [];
  if (cond.status === "False") {
    // Without a transition time the signal has no stable key (each relist would be a new one).
    const at = toIso(cond.lastTransitionTime);
    if (!at || (!sawPressure && firstState(node, at))) return [];
    return [cleared(name, `pressure-cleared:${name}:${at}`, at, cond.reason, cond.message)];
  }
  if (cond.status !== "True") return [];
  const since = toIso(cond.lastTransitionTime) ?? toIso(cond.lastHeartbeatTime) ?? new Date().toISOString();
  return [
    {
      occurrence: {
        key: `pressure:${name}:${since}`,
        kind: "NodeMemoryPressure",
        occurredAt: since,
        source: NODE_CONDITION_SOURCE,
        node: name,
        pressure: { status: "True", reason: cond.reason },
        message: trimMessage(cond.message),
      },
    },
  ];
}

/** A node deleted while its MemoryPressure was True: its pressure is over (the node is gone). */
export function detectNodeGone(node: V1Node): Detection[] {
  const name = node.metadata?.name;
  const cond = memoryPressure(node);
  if (!name || cond?.status !== "True") return [];
  const since = toIso(cond.lastTransitionTime) ?? toIso(cond.lastHeartbeatTime) ?? "unknown";
  const at = toIso(node.metadata?.deletionTimestamp) ?? new Date().toISOString();
  return [cleared(name, `pressure-cleared:${name}:deleted:${since}`, at, "NodeDeleted", "node deleted while under MemoryPressure")];
}
