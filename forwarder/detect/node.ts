/**
 * Node memory pressure from the node object: the `MemoryPressure` condition
 * being True. The key carries the transition time, so one pressure episode is
 * one occurrence however often the node is updated or relisted.
 */
import type { V1Node } from "@kubernetes/client-node";
import { toIso, trimMessage } from "../../shared/k8s/time.ts";
import type { Detection } from "./types.ts";

export function detectFromNode(node: V1Node): Detection[] {
  const name = node.metadata?.name;
  const cond = node.status?.conditions?.find((c) => c.type === "MemoryPressure");
  if (!name || cond?.status !== "True") return [];
  const since = toIso(cond.lastTransitionTime) ?? toIso(cond.lastHeartbeatTime) ?? new Date().toISOString();
  return [
    {
      occurrence: {
        key: `pressure:${name}:${since}`,
        kind: "NodeMemoryPressure",
        occurredAt: since,
        source: "node-condition",
        node: name,
        pressure: { status: "True", reason: cond.reason },
        message: trimMessage(cond.message),
      },
    },
  ];
}
