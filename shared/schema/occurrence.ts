/**
 * The occurrence message: what the forwarder sends to the events queue, one per
 * memory incident occurrence. Version 1. This is the contract between the
 * in-cluster forwarder and the ingest function; change it only by adding
 * optional fields, or by a new version that ingest accepts side by side.
 *
 * Memory quantities are bytes (numbers); the original quantity strings are not kept.
 */
import * as z from "./zod.ts";
import { integer, nonNegativeInt as count } from "./zod.ts";
import { EarlyWarningDetailSchema, MemoryTraceSchema, TopContainerSchema } from "./memory.ts";

export const OCCURRENCE_VERSION = 1;
/** Largest containers a node-level occurrence lists (`topContainers`). */
export const MAX_TOP_CONTAINERS = 10;

/**
 * MemoryNearLimit (container) and NodeMemoryHigh (node) are Level 0 early warnings from the
 * forwarder's memory history: no page, a heads-up to the owner before the OOM.
 */
export const IncidentKindSchema = z.enum([
  "ContainerOOM",
  "PodEviction",
  "NodeMemoryPressure",
  "NodeOOM",
  "MemoryNearLimit",
  "NodeMemoryHigh",
]);
export type IncidentKind = z.infer<typeof IncidentKindSchema>;

const isoTime = z.iso.datetime({ offset: true });
/** Labels, annotations, settings: `{}` when absent. */
const stringMap = () => z._default(z.record(z.string(), z.string()), {});

/** Requests/limits of one container in bytes (memory) and cores (cpu). */
export const ResourcesSchema = z.object({
  memory: z.optional(z.number().check(z.nonnegative())),
  cpu: z.optional(z.number().check(z.nonnegative())),
});
/** Requests, limits, capacity: `{}` when absent. */
const resources = () => z._default(ResourcesSchema, {});
export type Resources = z.infer<typeof ResourcesSchema>;

export const ContainerTypeSchema = z.enum(["regular", "init", "sidecar", "ephemeral"]);
export type ContainerType = z.infer<typeof ContainerTypeSchema>;

export const ContainerSnapshotSchema = z.object({
  name: z.string(),
  type: ContainerTypeSchema,
  image: z.optional(z.string()),
  requests: resources(),
  limits: resources(),
  restartCount: z.optional(count),
  /**
   * Memory-relevant settings only: JAVA_OPTS, JAVA_TOOL_OPTIONS, JDK_JAVA_OPTIONS,
   * GOMEMLIMIT, GOGC, NODE_OPTIONS, MALLOC_ARENA_MAX, ... plus memory flags found in
   * command/args (e.g. `-Xmx`, `--max-old-space-size`). Never any other env value.
   * A value that comes from a Secret/ConfigMap reference is recorded as `<from secretKeyRef>`.
   */
  memorySettings: stringMap(),
  /** Last termination as the kubelet reported it. */
  lastTermination: z.optional(
    z.object({
      reason: z.optional(z.string()),
      exitCode: z.optional(integer),
      finishedAt: z.optional(isoTime),
    }),
  ),
});
export type ContainerSnapshot = z.infer<typeof ContainerSnapshotSchema>;

export const OwnerRefSchema = z.object({ kind: z.string(), name: z.string() });
export type OwnerRef = z.infer<typeof OwnerRefSchema>;

export const PodSnapshotSchema = z.object({
  name: z.string(),
  namespace: z.string(),
  uid: z.string(),
  nodeName: z.optional(z.string()),
  phase: z.optional(z.string()),
  reason: z.optional(z.string()),
  qosClass: z.optional(z.enum(["Guaranteed", "Burstable", "BestEffort"])),
  priorityClassName: z.optional(z.string()),
  priority: z.optional(integer),
  /** Direct owner (e.g. ReplicaSet) and the resolved top owner (e.g. Deployment). */
  owner: z.optional(OwnerRefSchema),
  workload: OwnerRefSchema,
  /** Only `app.kubernetes.io/*`, `app`, `team` labels and `oomwatch.io/*` annotations are kept. */
  labels: stringMap(),
  annotations: stringMap(),
  /** `oomwatch.io/*` annotations/labels of the namespace, for routing. */
  namespaceAnnotations: stringMap(),
  containers: z._default(z.array(ContainerSnapshotSchema), []),
  /** Last lines of the previous container's log, redacted (opt-in). */
  logTail: z.optional(z.array(z.string())),
});
export type PodSnapshot = z.infer<typeof PodSnapshotSchema>;

export const NodeConditionSchema = z.object({
  type: z.string(),
  status: z.string(),
  reason: z.optional(z.string()),
  lastTransitionTime: z.optional(isoTime),
});

export const NodePodUsageSchema = z.object({
  namespace: z.string(),
  name: z.string(),
  qosClass: z.optional(z.string()),
  priority: z.optional(integer),
  requests: resources(),
  limits: resources(),
  /** Working set from the metrics API, when it answered. */
  usage: z.optional(ResourcesSchema),
});
export type NodePodUsage = z.infer<typeof NodePodUsageSchema>;

export const NodeSnapshotSchema = z.object({
  name: z.string(),
  capacity: resources(),
  allocatable: resources(),
  conditions: z._default(z.array(NodeConditionSchema), []),
  taints: z._default(z.array(z.object({ key: z.string(), effect: z.string(), value: z.optional(z.string()) })), []),
  /** Instance type / zone / nodepool labels only. */
  labels: stringMap(),
  podCount: z.optional(count),
  /** Sums over the pods scheduled on the node. */
  podRequests: resources(),
  podLimits: resources(),
  /** Node working set from the metrics API, when it answered. */
  usage: z.optional(ResourcesSchema),
  /** Largest pods on the node (by usage when known, else by memory request), at most 10. */
  topPods: z._default(z.array(NodePodUsageSchema), []),
});
export type NodeSnapshot = z.infer<typeof NodeSnapshotSchema>;

/** Parsed kubelet eviction message plus Event annotations. */
export const EvictionDetailSchema = z.object({
  /** Starved resource. Only `memory` evictions are memory incidents. */
  resource: z.enum(["memory", "ephemeral-storage", "pids", "nodefs", "imagefs", "other"]),
  thresholdBytes: z.optional(z.number()),
  availableBytes: z.optional(z.number()),
  containers: z._default(z.array(z.object({ name: z.string(), usageBytes: z.optional(z.number()), requestBytes: z.optional(z.number()) })), []),
  /** How the eviction was seen. */
  signal: z.enum(["pod-status", "event", "disruption-target"]),
});
export type EvictionDetail = z.infer<typeof EvictionDetailSchema>;

export const OccurrenceSchema = z.object({
  version: z.literal(OCCURRENCE_VERSION),
  /**
   * Deterministic occurrence key (docs/design.md "Incident kinds"):
   * ContainerOOM `oom:<podUid>:<container>:<finishedAt|containerID>`,
   * PodEviction `evict:<podUid>`, NodeOOM `nodeoom:<node>:<reason>:<pid>:<time>`,
   * NodeMemoryPressure `pressure:<node>:<transitionTime|eventTime>`.
   * A "pressure cleared" signal (NodeMemoryPressure with `pressure.status` False, not an occurrence:
   * shared/domain/node-pressure.ts) is `pressure-cleared:<node>:<transitionTime>`, or
   * `pressure-cleared:<node>:deleted:<pressure transitionTime>` for a node deleted under pressure.
   */
  key: z.string().check(z.minLength(1), z.maxLength(512)),
  kind: IncidentKindSchema,
  cluster: z.string().check(z.minLength(1)),
  /** When it happened (termination finishedAt, event time, condition transition). */
  occurredAt: isoTime,
  /** When the forwarder saw it; latency is measured from here. */
  observedAt: isoTime,
  /** Signal that produced it, e.g. `pod-status`, `event:SystemOOM`, `node-condition`. */
  source: z.string(),
  namespace: z.optional(z.string()),
  node: z.optional(z.string()),
  pod: z.optional(z.object({ name: z.string(), uid: z.string() })),
  container: z.optional(
    z.object({
      name: z.string(),
      type: ContainerTypeSchema,
      reason: z.string(),
      exitCode: z.optional(integer),
      restartCount: z.optional(count),
      finishedAt: z.optional(isoTime),
      containerID: z.optional(z.string()),
    }),
  ),
  eviction: z.optional(EvictionDetailSchema),
  nodeOOM: z.optional(z.object({ reason: z.enum(["SystemOOM", "OOMKilling"]), process: z.optional(z.string()), pid: z.optional(integer) })),
  pressure: z.optional(z.object({ status: z.enum(["True", "False", "Unknown"]), reason: z.optional(z.string()) })),
  /** Event or status message as Kubernetes wrote it (untrusted text, trimmed). */
  message: z.optional(z.string().check(z.maxLength(4096))),
  snapshot: z.object({
    pod: z.optional(PodSnapshotSchema),
    node: z.optional(NodeSnapshotSchema),
  }),
  /**
   * Working-set history that led to this occurrence (the affected container's for ContainerOOM,
   * PodEviction and MemoryNearLimit; the node's for NodeOOM, NodeMemoryPressure, NodeMemoryHigh),
   * newest last, trimmed to fit the message. Absent when the metrics API gave no samples.
   */
  memoryTrace: z.optional(MemoryTraceSchema),
  /** Node-level occurrences: the largest containers on the node by working set at that time. */
  topContainers: z.optional(z.array(TopContainerSchema).check(z.maxLength(MAX_TOP_CONTAINERS))),
  /** Level 0 early warnings: the rule that fired and its numbers. */
  warning: z.optional(EarlyWarningDetailSchema),
});
export type Occurrence = z.infer<typeof OccurrenceSchema>;
/** Input type (before defaults are applied), handy for building messages. */
export type OccurrenceInput = z.input<typeof OccurrenceSchema>;
