/**
 * Memory incidents visible as Events: pod `Evicted` (with the kubelet's
 * annotations), node `SystemOOM` (kubelet) and `OOMKilling` (node-problem-detector),
 * node pressure `EvictionThresholdMet` and `NodeHasInsufficientMemory` (type Normal).
 */
import type { CoreV1Event } from "@kubernetes/client-node";
import { normalizeResource, parseEvictionMessage } from "./eviction-message.ts";
import { toIso, trimMessage } from "../../shared/k8s/time.ts";
import type { Detection } from "./types.ts";

/** Latest time the event happened (series and repeats included). */
export function eventTime(event: CoreV1Event): string {
  return (
    toIso(event.series?.lastObservedTime) ??
    toIso(event.lastTimestamp) ??
    toIso(event.eventTime) ??
    toIso(event.firstTimestamp) ??
    toIso(event.metadata?.creationTimestamp) ??
    new Date().toISOString()
  );
}

const SYSTEM_OOM = /victim process: (.+?), pid: (\d+)/;
const KERNEL_KILL = /Kill(?:ed)? process (\d+) \(([^)]*)\)/;
const RECLAIM = /reclaim ([\w.-]+)/;

function nodeName(event: CoreV1Event): string | undefined {
  if (event.involvedObject?.kind === "Node") return event.involvedObject.name;
  return event.source?.host ?? event.reportingInstance ?? undefined;
}

function evicted(event: CoreV1Event): Detection[] {
  const obj = event.involvedObject;
  if (obj?.kind !== "Pod" || !obj.uid) return [];
  const parsed = parseEvictionMessage(event.message, event.metadata?.annotations ?? {});
  const eviction = { ...(parsed ?? { resource: "other" as const, containers: [] }), signal: "event" as const };
  return [
    {
      occurrence: {
        key: `evict:${obj.uid}`,
        kind: "PodEviction",
        occurredAt: eventTime(event),
        source: "event:Evicted",
        namespace: obj.namespace ?? event.metadata?.namespace,
        node: event.source?.host,
        pod: { name: obj.name ?? "", uid: obj.uid },
        eviction,
        message: trimMessage(event.message),
      },
      ...(eviction.resource === "memory" ? {} : { notMemory: `eviction:${eviction.resource}` }),
    },
  ];
}

function nodeOOM(event: CoreV1Event, reason: "SystemOOM" | "OOMKilling"): Detection[] {
  const node = nodeName(event);
  if (!node) return [];
  const match = reason === "SystemOOM" ? SYSTEM_OOM.exec(event.message ?? "") : KERNEL_KILL.exec(event.message ?? "");
  const process = reason === "SystemOOM" ? match?.[1] : match?.[2];
  const pidText = reason === "SystemOOM" ? match?.[2] : match?.[1];
  const pid = pidText ? Number(pidText) : undefined;
  const time = eventTime(event);
  return [
    {
      occurrence: {
        key: `nodeoom:${node}:${reason}:${pid ?? "unknown"}:${time}`,
        kind: "NodeOOM",
        occurredAt: time,
        source: `event:${reason}`,
        node,
        nodeOOM: { reason, process, pid },
        message: trimMessage(event.message),
      },
    },
  ];
}

function pressureEvent(event: CoreV1Event): Detection[] {
  const node = nodeName(event);
  if (!node) return [];
  const reason = event.reason ?? "";
  let notMemory: string | undefined;
  if (reason === "EvictionThresholdMet") {
    // "Attempting to reclaim memory" vs "... ephemeral-storage" / "... pids".
    const resource = RECLAIM.exec(event.message ?? "")?.[1];
    if (resource && normalizeResource(resource) !== "memory") notMemory = `pressure:${normalizeResource(resource)}`;
  }
  const time = eventTime(event);
  return [
    {
      occurrence: {
        key: `pressure:${node}:${time}`,
        kind: "NodeMemoryPressure",
        occurredAt: time,
        source: `event:${reason}`,
        node,
        pressure: { status: "True", reason },
        message: trimMessage(event.message),
      },
      ...(notMemory ? { notMemory } : {}),
    },
  ];
}

export function detectFromEvent(event: CoreV1Event): Detection[] {
  switch (event.reason) {
    case "Evicted":
      return evicted(event);
    case "SystemOOM":
      return nodeOOM(event, "SystemOOM");
    case "OOMKilling":
      return nodeOOM(event, "OOMKilling");
    case "EvictionThresholdMet":
    case "NodeHasInsufficientMemory":
      return event.involvedObject?.kind === "Node" ? pressureEvent(event) : [];
    default:
      return [];
  }
}
