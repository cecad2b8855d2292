/**
 * Node memory pressure from the node object's `MemoryPressure` condition.
 *
 * - True: a NodeMemoryPressure occurrence. The key carries the transition time, so one
 *   pressure episode is one occurrence however often the node is updated or relisted.
 * - False: a "pressure cleared" signal (same kind, `pressure.status` False, key
 *   `pressure-cleared:...`): node incidents stay open until their node's pressure clears
 *   (docs/design.md "Incident lifecycle"). It is not an occurrence: the forwarder does not count
 *   it as observed and ingest only records it. A node never under pressure sends one at most
 *   (its condition's transition is older than the lookback once the node has run an hour).
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

export function detectFromNode(node: V1Node): Detection[] {
  const name = node.metadata?.name;
  const cond = memoryPressure(node);
  if (!name || !cond) return [];
  if (cond.status === "False") {
    // Without a transition time the signal has no stable key (each relist would be a new one).
    const at = toIso(cond.lastTransitionTime);
    return at ? [cleared(name, `pressure-cleared:${name}:${at}`, at, cond.reason, cond.message)] : [];
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
