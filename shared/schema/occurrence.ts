/**
 * The occurrence message: what the forwarder sends to the events queue, one per
 * memory incident occurrence. Version 1. This is the contract between the
 * in-cluster forwarder and the ingest function; change it only by adding
 * optional fields, or by a new version that ingest accepts side by side.
 *
 * Memory quantities are bytes (numbers); the original quantity strings are not kept.
 */
import * as z from "zod";
import { EarlyWarningDetailSchema, MemoryTraceSchema, TopContainerSchema } from "./memory.ts";

export const OCCURRENCE_VERSION = 1;

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

/** Requests/limits of one container in bytes (memory) and cores (cpu). */
export const ResourcesSchema = z.object({
  memory: z.number().nonnegative().optional(),
  cpu: z.number().nonnegative().optional(),
});
export type Resources = z.infer<typeof ResourcesSchema>;

export const ContainerTypeSchema = z.enum(["regular", "init", "sidecar", "ephemeral"]);
export type ContainerType = z.infer<typeof ContainerTypeSchema>;

export const ContainerSnapshotSchema = z.object({
  name: z.string(),
  type: ContainerTypeSchema,
  image: z.string().optional(),
  requests: ResourcesSchema.default({}),
  limits: ResourcesSchema.default({}),
  restartCount: z.number().int().nonnegative().optional(),
  /**
   * Memory-relevant settings only: JAVA_OPTS, JAVA_TOOL_OPTIONS, JDK_JAVA_OPTIONS,
   * GOMEMLIMIT, GOGC, NODE_OPTIONS, MALLOC_ARENA_MAX, ... plus memory flags found in
   * command/args (e.g. `-Xmx`, `--max-old-space-size`). Never any other env value.
   * A value that comes from a Secret/ConfigMap reference is recorded as `<from secretKeyRef>`.
   */
  memorySettings: z.record(z.string(), z.string()).default({}),
  /** Last termination as the kubelet reported it. */
  lastTermination: z
    .object({
      reason: z.string().optional(),
      exitCode: z.number().int().optional(),
      finishedAt: isoTime.optional(),
    })
    .optional(),
});
export type ContainerSnapshot = z.infer<typeof ContainerSnapshotSchema>;

export const OwnerRefSchema = z.object({ kind: z.string(), name: z.string() });
export type OwnerRef = z.infer<typeof OwnerRefSchema>;

export const PodSnapshotSchema = z.object({
  name: z.string(),
  namespace: z.string(),
  uid: z.string(),
  nodeName: z.string().optional(),
  phase: z.string().optional(),
  reason: z.string().optional(),
  qosClass: z.enum(["Guaranteed", "Burstable", "BestEffort"]).optional(),
  priorityClassName: z.string().optional(),
  priority: z.number().int().optional(),
  /** Direct owner (e.g. ReplicaSet) and the resolved top owner (e.g. Deployment). */
  owner: OwnerRefSchema.optional(),
  workload: OwnerRefSchema,
  /** Only `app.kubernetes.io/*`, `app`, `team` labels and `oomwatch.io/*` annotations are kept. */
  labels: z.record(z.string(), z.string()).default({}),
  annotations: z.record(z.string(), z.string()).default({}),
  /** `oomwatch.io/*` annotations/labels of the namespace, for routing. */
  namespaceAnnotations: z.record(z.string(), z.string()).default({}),
  containers: z.array(ContainerSnapshotSchema).default([]),
  /** Last lines of the previous container's log, redacted (opt-in). */
  logTail: z.array(z.string()).optional(),
});
export type PodSnapshot = z.infer<typeof PodSnapshotSchema>;

export const NodeConditionSchema = z.object({
  type: z.string(),
  status: z.string(),
  reason: z.string().optional(),
  lastTransitionTime: isoTime.optional(),
});

export const NodePodUsageSchema = z.object({
  namespace: z.string(),
  name: z.string(),
  qosClass: z.string().optional(),
  priority: z.number().int().optional(),
  requests: ResourcesSchema.default({}),
  limits: ResourcesSchema.default({}),
  /** Working set from the metrics API, when it answered. */
  usage: ResourcesSchema.optional(),
});
export type NodePodUsage = z.infer<typeof NodePodUsageSchema>;

export const NodeSnapshotSchema = z.object({
  name: z.string(),
  capacity: ResourcesSchema.default({}),
  allocatable: ResourcesSchema.default({}),
  conditions: z.array(NodeConditionSchema).default([]),
  taints: z.array(z.object({ key: z.string(), effect: z.string(), value: z.string().optional() })).default([]),
  /** Instance type / zone / nodepool labels only. */
  labels: z.record(z.string(), z.string()).default({}),
  podCount: z.number().int().nonnegative().optional(),
  /** Sums over the pods scheduled on the node. */
  podRequests: ResourcesSchema.default({}),
  podLimits: ResourcesSchema.default({}),
  /** Node working set from the metrics API, when it answered. */
  usage: ResourcesSchema.optional(),
  /** Largest pods on the node (by usage when known, else by memory request), at most 10. */
  topPods: z.array(NodePodUsageSchema).default([]),
});
export type NodeSnapshot = z.infer<typeof NodeSnapshotSchema>;

/** Parsed kubelet eviction message plus Event annotations. */
export const EvictionDetailSchema = z.object({
  /** Starved resource. Only `memory` evictions are memory incidents. */
  resource: z.enum(["memory", "ephemeral-storage", "pids", "nodefs", "imagefs", "other"]),
  thresholdBytes: z.number().optional(),
  availableBytes: z.number().optional(),
  containers: z
    .array(z.object({ name: z.string(), usageBytes: z.number().optional(), requestBytes: z.number().optional() }))
    .default([]),
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
  key: z.string().min(1).max(512),
  kind: IncidentKindSchema,
  cluster: z.string().min(1),
  /** When it happened (termination finishedAt, event time, condition transition). */
  occurredAt: isoTime,
  /** When the forwarder saw it; latency is measured from here. */
  observedAt: isoTime,
  /** Signal that produced it, e.g. `pod-status`, `event:SystemOOM`, `node-condition`. */
  source: z.string(),
  namespace: z.string().optional(),
  node: z.string().optional(),
  pod: z.object({ name: z.string(), uid: z.string() }).optional(),
  container: z
    .object({
      name: z.string(),
      type: ContainerTypeSchema,
      reason: z.string(),
      exitCode: z.number().int().optional(),
      restartCount: z.number().int().nonnegative().optional(),
      finishedAt: isoTime.optional(),
      containerID: z.string().optional(),
    })
    .optional(),
  eviction: EvictionDetailSchema.optional(),
  nodeOOM: z
    .object({ reason: z.enum(["SystemOOM", "OOMKilling"]), process: z.string().optional(), pid: z.number().int().optional() })
    .optional(),
  pressure: z.object({ status: z.enum(["True", "False", "Unknown"]), reason: z.string().optional() }).optional(),
  /** Event or status message as Kubernetes wrote it (untrusted text, trimmed). */
  message: z.string().max(4096).optional(),
  snapshot: z.object({
    pod: PodSnapshotSchema.optional(),
    node: NodeSnapshotSchema.optional(),
  }),
  /**
   * Working-set history that led to this occurrence (the affected container's for ContainerOOM,
   * PodEviction and MemoryNearLimit; the node's for NodeOOM, NodeMemoryPressure, NodeMemoryHigh),
   * newest last, trimmed to fit the message. Absent when the metrics API gave no samples.
   */
  memoryTrace: MemoryTraceSchema.optional(),
  /** Node-level occurrences: the largest containers on the node by working set at that time. */
  topContainers: z.array(TopContainerSchema).max(10).optional(),
  /** Level 0 early warnings: the rule that fired and its numbers. */
  warning: EarlyWarningDetailSchema.optional(),
});
export type Occurrence = z.infer<typeof OccurrenceSchema>;
/** Input type (before defaults are applied), handy for building messages. */
export type OccurrenceInput = z.input<typeof OccurrenceSchema>;
