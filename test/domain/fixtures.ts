/**
 * Realistic occurrences as the forwarder builds them from what the kubelet writes:
 * OOMKilled container statuses (also init containers and exit code 1), both
 * eviction message formats, SystemOOM / OOMKilling node events, MemoryPressure.
 */
import { type Occurrence, type OccurrenceInput, OccurrenceSchema } from "../../shared/schema/occurrence.ts";

export const Mi = 2 ** 20;
export const Gi = 2 ** 30;
export const CLUSTER = "prod-eu";
const T0 = Date.parse("2025-03-14T09:00:00Z");
/** ISO time `minutes` after the fixtures' epoch. */
export const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

type PodInput = NonNullable<OccurrenceInput["snapshot"]["pod"]>;
type NodeInput = NonNullable<OccurrenceInput["snapshot"]["node"]>;
type ContainerInput = NonNullable<PodInput["containers"]>[number];

export function container(over: Partial<ContainerInput> = {}): ContainerInput {
  return {
    name: "api",
    type: "regular",
    image: "registry.example.com/shop/api:1.42.0",
    requests: { memory: 512 * Mi, cpu: 0.25 },
    limits: { memory: 1 * Gi, cpu: 1 },
    restartCount: 3,
    memorySettings: {},
    ...over,
  };
}

export function pod(over: Partial<PodInput> = {}): PodInput {
  return {
    name: "checkout-7d9f8b6c5d-x2x4k",
    namespace: "shop",
    uid: "5d1c4a8e-0b7f-4c31-9a55-1f2e3d4c5b6a",
    nodeName: "ip-10-0-12-34.eu-west-1.compute.internal",
    phase: "Running",
    qosClass: "Burstable",
    priority: 0,
    owner: { kind: "ReplicaSet", name: "checkout-7d9f8b6c5d" },
    workload: { kind: "Deployment", name: "checkout" },
    labels: { app: "checkout", team: "payments" },
    annotations: {},
    namespaceAnnotations: {},
    containers: [container()],
    ...over,
  };
}

export function node(over: Partial<NodeInput> = {}): NodeInput {
  return {
    name: "ip-10-0-12-34.eu-west-1.compute.internal",
    capacity: { memory: 16 * Gi, cpu: 4 },
    allocatable: { memory: 15 * Gi, cpu: 3.92 },
    conditions: [{ type: "MemoryPressure", status: "False", reason: "KubeletHasSufficientMemory" }],
    taints: [],
    labels: { "node.kubernetes.io/instance-type": "m6i.xlarge" },
    podCount: 23,
    podRequests: { memory: 11 * Gi },
    podLimits: { memory: 14 * Gi },
    topPods: [],
    ...over,
  };
}

const build = (o: OccurrenceInput): Occurrence => OccurrenceSchema.parse(o);

export interface OomOptions {
  pod?: Partial<PodInput>;
  container?: Partial<ContainerInput>;
  finishedAt?: string;
  exitCode?: number;
  type?: "regular" | "init";
  restartCount?: number;
}

/** `lastState.terminated.reason: OOMKilled` of a container (exit code 137 unless told otherwise). */
export function containerOom(opts: OomOptions = {}): Occurrence {
  const p = pod(opts.pod);
  const c = container({ ...opts.container, type: opts.type ?? "regular" });
  const finishedAt = opts.finishedAt ?? at(0);
  const exitCode = opts.exitCode ?? 137;
  const restartCount = opts.restartCount ?? c.restartCount ?? 0;
  return build({
    version: 1,
    key: `oom:${p.uid}:${c.name}:${finishedAt}`,
    kind: "ContainerOOM",
    cluster: CLUSTER,
    occurredAt: finishedAt,
    observedAt: finishedAt,
    source: "pod-status",
    namespace: p.namespace,
    node: p.nodeName,
    pod: { name: p.name, uid: p.uid },
    container: { name: c.name, type: c.type, reason: "OOMKilled", exitCode, restartCount, finishedAt },
    snapshot: {
      pod: { ...p, phase: opts.type === "init" ? "Pending" : p.phase, containers: [{ ...c, restartCount, lastTermination: { reason: "OOMKilled", exitCode, finishedAt } }] },
      node: node(),
    },
  });
}

export interface EvictionOptions {
  pod?: Partial<PodInput>;
  container?: Partial<ContainerInput>;
  at?: string;
  usageBytes?: number;
  /** `new`: "... request is R, has larger consumption ..." (kubelet >= 1.22), `old`: "... which exceeds its request of R." */
  format?: "new" | "old";
  resource?: "memory" | "ephemeral-storage";
  node?: Partial<NodeInput>;
}

export function eviction(opts: EvictionOptions = {}): Occurrence {
  const p = pod({ phase: "Failed", reason: "Evicted", ...opts.pod });
  const c = container(opts.container);
  const usage = opts.usageBytes ?? 1800 * Mi;
  const req = c.requests?.memory ?? 0;
  const resource = opts.resource ?? "memory";
  const usageKi = `${Math.round(usage / 1024)}Ki`;
  const message =
    resource !== "memory"
      ? `The node was low on resource: ephemeral-storage. Threshold quantity: 10Gi, available: 9Gi. Container ${c.name} was using 6Gi, request is 0, has larger consumption of ephemeral-storage. `
      : opts.format === "old"
        ? `The node was low on resource: memory. Container ${c.name} was using ${usageKi}, which exceeds its request of ${req / Mi}Mi. `
        : `The node was low on resource: memory. Threshold quantity: 100Mi, available: 91264Ki. Container ${c.name} was using ${usageKi}, request is ${req / Mi}Mi, has larger consumption of memory. `;
  const when = opts.at ?? at(0);
  return build({
    version: 1,
    key: `evict:${p.uid}`,
    kind: "PodEviction",
    cluster: CLUSTER,
    occurredAt: when,
    observedAt: when,
    source: "pod-status",
    namespace: p.namespace,
    node: p.nodeName,
    pod: { name: p.name, uid: p.uid },
    eviction: {
      resource,
      thresholdBytes: resource === "memory" && opts.format !== "old" ? 100 * Mi : undefined,
      availableBytes: resource === "memory" && opts.format !== "old" ? 91264 * 1024 : undefined,
      containers: [{ name: c.name, usageBytes: usage, requestBytes: req }],
      signal: "pod-status",
    },
    message,
    snapshot: { pod: { ...p, containers: [c] }, node: node(opts.node) },
  });
}

/** A storm: `n` pods of one Deployment evicted from one node within `spanMinutes`. */
export function evictionStorm(n: number, spanMinutes = 10, start = 0): Occurrence[] {
  return Array.from({ length: n }, (_, i) =>
    eviction({
      at: at(start + (i * spanMinutes) / n),
      pod: { name: `worker-6b7c9-${String(i).padStart(3, "0")}`, uid: `storm-uid-${i}`, workload: { kind: "Deployment", name: "worker" } },
    }),
  );
}

export interface NodeOomOptions {
  at?: string;
  process?: string;
  pid?: number;
  reason?: "SystemOOM" | "OOMKilling";
  node?: Partial<NodeInput>;
}

export function nodeOom(opts: NodeOomOptions = {}): Occurrence {
  const n = node(opts.node);
  const when = opts.at ?? at(0);
  const reason = opts.reason ?? "SystemOOM";
  const process = opts.process ?? "java";
  const pid = opts.pid ?? 4242;
  return build({
    version: 1,
    key: `nodeoom:${n.name}:${reason}:${pid}:${when}`,
    kind: "NodeOOM",
    cluster: CLUSTER,
    occurredAt: when,
    observedAt: when,
    source: `event:${reason}`,
    node: n.name,
    nodeOOM: { reason, process, pid },
    message:
      reason === "SystemOOM"
        ? `System OOM encountered, victim process: ${process}, pid: ${pid}`
        : `Killed process ${pid} (${process}) total-vm:8388608kB, anon-rss:2097152kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:4560kB oom_score_adj:-997`,
    snapshot: { node: n },
  });
}

export function memoryPressure(opts: { at?: string; status?: "True" | "False"; node?: Partial<NodeInput> } = {}): Occurrence {
  const n = node({ conditions: [{ type: "MemoryPressure", status: opts.status ?? "True", reason: "KubeletHasInsufficientMemory" }], ...opts.node });
  const when = opts.at ?? at(0);
  return build({
    version: 1,
    key: `pressure:${n.name}:${when}`,
    kind: "NodeMemoryPressure",
    cluster: CLUSTER,
    occurredAt: when,
    observedAt: when,
    source: "node-condition",
    node: n.name,
    pressure: { status: opts.status ?? "True", reason: "KubeletHasInsufficientMemory" },
    snapshot: { node: n },
  });
}

export interface WarningOptions {
  at?: string;
  /** When the rule started to hold (becomes `warnedAt`). */
  firingSince?: string;
  severity?: "warning" | "critical";
  currentPercent?: number;
  /** [epochSeconds, bytes] samples of the container's working set, newest last. */
  samples?: [number, number][];
  pod?: Partial<PodInput>;
}

/** A Level 0 early warning (MemoryNearLimit) about the fixtures' container, as the forwarder's sampler sends it. */
export function memoryWarning(opts: WarningOptions = {}): Occurrence {
  const p = pod(opts.pod);
  const c = container();
  const when = opts.at ?? at(-10);
  const severity = opts.severity ?? "warning";
  const percent = opts.currentPercent ?? (severity === "critical" ? 96 : 88);
  const limit = c.limits?.memory ?? Gi;
  return build({
    version: 1,
    key: `warn:${p.uid}:${c.name}:${severity}:${opts.firingSince ?? when}`,
    kind: "MemoryNearLimit",
    cluster: CLUSTER,
    occurredAt: when,
    observedAt: when,
    source: "metrics-sampler",
    namespace: p.namespace,
    node: p.nodeName,
    pod: { name: p.name, uid: p.uid },
    container: { name: c.name, type: "regular", reason: "MemoryNearLimit" },
    snapshot: { pod: p, node: node() },
    ...(opts.samples ? { memoryTrace: { source: "metrics-server", stepSeconds: 30, samples: opts.samples, limitBytes: limit } } : {}),
    warning: {
      ruleId: severity === "critical" ? "container-critical" : "container-warning",
      severity,
      currentPercent: percent,
      currentBytes: Math.round((percent / 100) * limit),
      limitBytes: limit,
      firingSince: opts.firingSince ?? when,
      slopeBytesPerSecond: 12 * Mi / 60,
      secondsToLimit: 600,
    },
  });
}
