/**
 * The kinds of container a pod runs. Detection (forwarder) and snapshots
 * (forwarder and analyze) must agree on what counts as a sidecar, so both read it here.
 */
import type { V1Pod } from "@kubernetes/client-node";
import type { ContainerType } from "../schema/occurrence.ts";

/** Containers of a pod with their kind, in spec order; sidecars are init containers with restartPolicy Always. */
export function containerTypes(pod: V1Pod): Map<string, ContainerType> {
  const types = new Map<string, ContainerType>();
  for (const c of pod.spec?.initContainers ?? []) types.set(c.name, c.restartPolicy === "Always" ? "sidecar" : "init");
  for (const c of pod.spec?.containers ?? []) types.set(c.name, "regular");
  for (const c of pod.spec?.ephemeralContainers ?? []) types.set(c.name, "ephemeral");
  return types;
}
