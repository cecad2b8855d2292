/**
 * Memory incidents visible in a Pod object: container OOMs (regular, init,
 * sidecar, ephemeral; current state or last state) and kubelet evictions
 * (status.reason, DisruptionTarget condition). State based: the same pod seen
 * again yields the same keys, so relists and repeated updates are harmless.
 */
import type { V1ContainerStatus, V1Pod } from "@kubernetes/client-node";
import type { ContainerType } from "../../shared/schema/occurrence.ts";
import { parseEvictionMessage } from "./eviction-message.ts";
import { containerTypes } from "../../shared/k8s/containers.ts";
import { latestIso, toIso, trimMessage } from "../../shared/k8s/time.ts";
import type { Detection } from "./types.ts";

const OOM_REASON = "OOMKilled";

function allStatuses(pod: V1Pod): { status: V1ContainerStatus; fallback: ContainerType }[] {
  const s = pod.status;
  return [
    ...(s?.initContainerStatuses ?? []).map((status) => ({ status, fallback: "init" as const })),
    ...(s?.containerStatuses ?? []).map((status) => ({ status, fallback: "regular" as const })),
    ...(s?.ephemeralContainerStatuses ?? []).map((status) => ({ status, fallback: "ephemeral" as const })),
  ];
}

export function detectContainerOOMs(pod: V1Pod): Detection[] {
  const uid = pod.metadata?.uid;
  if (!uid) return [];
  const types = containerTypes(pod);
  const out: Detection[] = [];
  for (const { status, fallback } of allStatuses(pod)) {
    const terminations = [status.state?.terminated, status.lastState?.terminated];
    const seen = new Set<string>();
    for (const t of terminations) {
      // Only the kubelet's reason counts: exit code 137 alone is a liveness kill or a node-OOM victim.
      if (!t || t.reason !== OOM_REASON) continue;
      const finishedAt = toIso(t.finishedAt);
      const id = finishedAt ?? t.containerID ?? `restart-${status.restartCount ?? 0}`;
      const key = `oom:${uid}:${status.name}:${id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({
        occurrence: {
          key,
          kind: "ContainerOOM",
          occurredAt: finishedAt ?? new Date().toISOString(),
          source: "pod-status",
          namespace: pod.metadata?.namespace,
          node: pod.spec?.nodeName,
          pod: { name: pod.metadata?.name ?? "", uid },
          container: {
            name: status.name,
            type: types.get(status.name) ?? fallback,
            reason: t.reason,
            exitCode: t.exitCode,
            restartCount: status.restartCount,
            finishedAt,
            containerID: t.containerID,
          },
          message: trimMessage(t.message),
        },
      });
    }
  }
  return out;
}

function condition(pod: V1Pod, type: string) {
  return pod.status?.conditions?.find((c) => c.type === type);
}

/** When the pod was evicted: DisruptionTarget transition, else the last container end, else Ready turning false. */
function evictionTime(pod: V1Pod): string {
  const terminated = allStatuses(pod).map(({ status }) => status.state?.terminated?.finishedAt);
  return (
    toIso(condition(pod, "DisruptionTarget")?.lastTransitionTime) ??
    latestIso(terminated) ??
    toIso(condition(pod, "Ready")?.lastTransitionTime) ??
    new Date().toISOString()
  );
}

export function detectPodEviction(pod: V1Pod): Detection[] {
  const uid = pod.metadata?.uid;
  if (!uid) return [];
  const disruption = condition(pod, "DisruptionTarget");
  let text: string | undefined;
  let signal: "pod-status" | "disruption-target";
  if (pod.status?.reason === "Evicted") {
    text = pod.status.message;
    signal = "pod-status";
  } else if (disruption?.status === "True" && disruption.reason === "TerminationByKubelet") {
    // Same reason is used by graceful node shutdown; only an eviction message makes it one.
    text = disruption.message;
    signal = "disruption-target";
  } else {
    return [];
  }
  const parsed = parseEvictionMessage(text);
  // status.reason Evicted with an unknown message is still an eviction (resource "other", not sent);
  // a DisruptionTarget without an eviction message is not one at all.
  if (!parsed && signal === "disruption-target") return [];
  const eviction = { ...(parsed ?? { resource: "other" as const, containers: [] }), signal };
  return [
    {
      occurrence: {
        key: `evict:${uid}`,
        kind: "PodEviction",
        occurredAt: evictionTime(pod),
        source: signal,
        namespace: pod.metadata?.namespace,
        node: pod.spec?.nodeName,
        pod: { name: pod.metadata?.name ?? "", uid },
        eviction,
        message: trimMessage(text),
      },
      ...(eviction.resource === "memory" ? {} : { notMemory: `eviction:${eviction.resource}` }),
    },
  ];
}

export function detectFromPod(pod: V1Pod): Detection[] {
  return [...detectContainerOOMs(pod), ...detectPodEviction(pod)];
}
