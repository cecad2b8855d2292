/**
 * The names the CLI uses for incident kinds: what `--kind` accepts besides the schema's
 * own names, and what the KIND column shows, so a value read in a table can be typed back.
 * One line per kind; a kind missing here does not compile.
 */
import { IncidentKindSchema, type IncidentKind } from "../../shared/schema/occurrence.ts";

export const KIND_ALIASES: Readonly<Record<IncidentKind, string>> = {
  ContainerOOM: "oom",
  PodEviction: "eviction",
  NodeMemoryPressure: "pressure",
  NodeOOM: "nodeoom",
  MemoryNearLimit: "warning",
  NodeMemoryHigh: "nodewarning",
};

/** `oom`, `OOM`, `containeroom`, `ContainerOOM` -> `ContainerOOM`; undefined when unknown. */
export function kindFromName(text: string): IncidentKind | undefined {
  const wanted = text.trim().toLowerCase();
  return IncidentKindSchema.options.find((k) => k.toLowerCase() === wanted || KIND_ALIASES[k] === wanted);
}

/** `oom (ContainerOOM), eviction (PodEviction), ...` for help and errors. */
export const KIND_CHOICES = IncidentKindSchema.options.map((k) => `${KIND_ALIASES[k]} (${k})`).join(", ");
