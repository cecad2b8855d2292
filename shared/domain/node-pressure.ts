/**
 * A node's MemoryPressure condition as the incident lifecycle needs it (docs/design.md
 * "Incident lifecycle"): node incidents stay open while their node is under pressure.
 *
 * The forwarder reports both transitions of the condition as NodeMemoryPressure messages
 * (validated by the occurrence schema): `pressure.status` True is an occurrence; False is a
 * "pressure cleared" signal, which is never an occurrence (never counted, grouped or posted)
 * and only moves the node's recorded state (shared/storage/node-pressure.ts).
 */
import type { Incident } from "../schema/incident.ts";
import type { Occurrence, OccurrenceInput } from "../schema/occurrence.ts";
import { utc } from "../time.ts";

/** The signal source of the node's condition (forwarder/detect/node.ts); pressure Events do not move the state. */
export const NODE_CONDITION_SOURCE = "node-condition";

export interface PressureChange {
  status: "True" | "False";
  /** The condition's transition (or the node's deletion), UTC: the later change wins. */
  since: string;
  /** The message that reported it. */
  key: string;
}

type PressureFields = Pick<OccurrenceInput, "kind" | "pressure" | "source">;

/** A "pressure cleared" signal: not an occurrence. */
export function isPressureCleared(o: PressureFields): boolean {
  return o.kind === "NodeMemoryPressure" && o.pressure?.status === "False";
}

/**
 * The change of the node's recorded pressure state a message makes, if any. Only the node
 * condition moves it: a pressure Event (EvictionThresholdMet) has no matching "cleared" and
 * would hold the node's incidents open for good.
 */
export function pressureChangeOf(o: Occurrence): PressureChange | undefined {
  if (o.kind !== "NodeMemoryPressure" || o.source !== NODE_CONDITION_SOURCE) return undefined;
  const status = o.pressure?.status;
  if (status !== "True" && status !== "False") return undefined;
  return { status, since: utc(o.occurredAt), key: o.key };
}

/**
 * Node-level incidents: a node's MemoryPressure, a node OOM, evictions on a node. They are over
 * only when quiet for the window AND the node's pressure has cleared.
 */
export function heldByNodePressure(i: Pick<Incident, "kind" | "node">): boolean {
  return (i.kind === "NodeMemoryPressure" || i.kind === "NodeOOM" || i.kind === "PodEviction") && i.node !== undefined;
}
