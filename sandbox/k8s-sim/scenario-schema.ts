/**
 * The scenario file format (YAML or JSON), validated with zod. Documented for
 * users in sandbox/scenarios/README.md and docs/scenarios.md; keep them in step.
 *
 *   name, description, duration?   what it is and how long it runs
 *   namespaces / nodes / deployments / cronJobs / pods / objects   initial cluster
 *   steps: [{ at, every?, repeat?, <action>: {...} }]              timed changes
 *   expect: { observed, incidents, deadLetters, ... }              what the pipeline must report
 */
import * as z from "zod";
import { type QuantityKind, quantityProblem } from "../../shared/quantity.ts";
import { EscalationPolicySchema } from "../../shared/domain/policy.ts";
import { EarlyWarningPolicySchema } from "../../shared/memory/early-warning.ts";

/** `2s`, `1500ms`, `1m`, `1m30s`, or a number of seconds. Parsed to milliseconds. */
export const DurationSchema = z.union([z.number().nonnegative(), z.string()]).transform((value, ctx) => {
  if (typeof value === "number") return Math.round(value * 1000);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  const text = value.trim();
  let total = 0;
  let consumed = "";
  for (const match of text.matchAll(re)) {
    const n = Number(match[1]);
    const unit = match[2];
    total += unit === "ms" ? n : unit === "s" ? n * 1000 : unit === "m" ? n * 60_000 : n * 3_600_000;
    consumed += match[0];
  }
  if (!text || consumed !== text) {
    ctx.addIssue({ code: "custom", message: `invalid duration "${value}" (use e.g. 2s, 1500ms, 1m30s)` });
    return z.NEVER;
  }
  return Math.round(total);
});

/**
 * A Kubernetes quantity (`256Mi`, `1G`, `500m`, `0.5`, `1e3`; a YAML number as written) named
 * `field` in messages: `memory "256MB" is not a Kubernetes quantity: use 256M (10^6 bytes) or
 * 256Mi (2^20 bytes)`. The grammar and the fixes are shared/quantity.ts's.
 */
function quantity(field: string, kind: QuantityKind, opts: { percent?: boolean } = {}) {
  return z.preprocess(
    (value) => (typeof value === "number" ? String(value) : value),
    z.string().transform((text, ctx) => {
      if (opts.percent && /^\d+(?:\.\d+)?%$/.test(text.trim())) return text;
      const problem = quantityProblem(text, kind);
      if (!problem) return text;
      ctx.addIssue({ code: "custom", message: `${field} ${JSON.stringify(text)} ${problem}` });
      return z.NEVER;
    }),
  );
}

const Quantities = z.strictObject({ memory: quantity("memory", "memory").optional(), cpu: quantity("cpu", "cpu").optional() });
const KeyRef = z.strictObject({ name: z.string(), key: z.string() });
const EnvValue = z.union([z.string(), z.strictObject({ secretKeyRef: KeyRef }), z.strictObject({ configMapKeyRef: KeyRef })]);
const StringMap = z.record(z.string(), z.string());

export const ContainerSchema = z.strictObject({
  name: z.string().min(1),
  image: z.string().optional(),
  requests: Quantities.optional(),
  limits: Quantities.optional(),
  env: z.record(z.string(), EnvValue).optional(),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  sidecar: z.boolean().optional(),
  /** Working set reported by the metrics API (metrics.k8s.io) for this container. */
  usage: Quantities.optional(),
});

const PodTemplateFields = {
  namespace: z.string().min(1).default("default"),
  containers: z.array(ContainerSchema).min(1),
  initContainers: z.array(ContainerSchema).optional(),
  labels: StringMap.optional(),
  annotations: StringMap.optional(),
  priorityClassName: z.string().optional(),
  priority: z.number().int().optional(),
};

export const NamespaceSchema = z.strictObject({ name: z.string().min(1), labels: StringMap.optional(), annotations: StringMap.optional() });

export const NodeSchema = z.strictObject({
  name: z.string().min(1),
  memory: quantity("memory", "memory").optional(),
  cpu: quantity("cpu", "cpu").optional(),
  allocatableMemory: quantity("allocatableMemory", "memory").optional(),
  pods: z.number().int().positive().optional(),
  instanceType: z.string().optional(),
  zone: z.string().optional(),
  labels: StringMap.optional(),
  taints: z.array(z.strictObject({ key: z.string(), effect: z.string(), value: z.string().optional() })).optional(),
  /** Node working set for the metrics API. */
  usage: Quantities.optional(),
});

export const DeploymentSchema = z.strictObject({
  ...PodTemplateFields,
  name: z.string().min(1),
  replicas: z.number().int().nonnegative().default(1),
  /** Nodes the pods are spread over, round-robin (default: every node). */
  nodes: z.array(z.string()).optional(),
  /** Generate this many copies named `<name>-01`, `<name>-02`, ... */
  copies: z.number().int().positive().optional(),
});

export const CronJobSchema = z.strictObject({
  ...PodTemplateFields,
  name: z.string().min(1),
  schedule: z.string().optional(),
  /** Node of the pod of the Job that is running when the scenario starts (default: first node). */
  node: z.string().optional(),
});

export const PodSchema = z.strictObject({
  ...PodTemplateFields,
  name: z.string().min(1),
  node: z.string().optional(),
  restartPolicy: z.enum(["Always", "OnFailure", "Never"]).optional(),
});

const RawObject = z.looseObject({ apiVersion: z.string(), kind: z.string(), metadata: z.looseObject({ name: z.string() }) });

/**
 * A pod reference: `namespace/name` where name is a pod, a Deployment (its replica
 * `replica`, default 0) or a CronJob (the pod of its latest Job). `*` in the name
 * matches several workloads (e.g. `shop/*`): the action runs once per match.
 */
const PodTarget = { pod: z.string().regex(/^[^/]+\/[^/]+$/, "pod reference must be namespace/name"), replica: z.number().int().nonnegative().optional() };
/** A node name, or a pattern with `*` (`*` = every node). */
const NodeTarget = { node: z.string().min(1) };


export const ActionSchemas = {
  /** Container killed by the cgroup OOM killer (OOMKilled, 137), then restarted unless `restart: false`. */
  oomKill: z.strictObject({
    ...PodTarget,
    container: z.string().optional(),
    init: z.boolean().optional(),
    ephemeral: z.boolean().optional(),
    exitCode: z.number().int().optional(),
    restart: z.boolean().default(true),
    crashLoop: z.boolean().default(false),
    /** Last lines of the killed container's log (served as `previous=true`). */
    log: z.array(z.string()).optional(),
  }),
  /** Container exits (default exit 0 `Completed`; non-zero is `Error`) and is restarted. */
  restart: z.strictObject({
    ...PodTarget,
    container: z.string().optional(),
    exitCode: z.number().int().default(0),
    reason: z.string().optional(),
  }),
  /** Liveness probe kill: 137 with reason Error plus Unhealthy/Killing events. Not an OOM. */
  livenessKill: z.strictObject({ ...PodTarget, container: z.string().optional() }),
  /**
   * Kubelet eviction: pod Failed/Evicted with DisruptionTarget, plus the `Evicted` Event.
   * Either one `pod`, or up to `count` running pods on `node` (BestEffort and low priority first).
   * A Deployment pod gets a replacement on another node, as its ReplicaSet would.
   */
  evict: z
    .strictObject({
      pod: PodTarget.pod.optional(),
      replica: PodTarget.replica,
      node: z.string().optional(),
      count: z.number().int().positive().optional(),
      resource: z.enum(["memory", "ephemeral-storage", "pids"]).default("memory"),
      format: z.enum(["new", "old"]).default("new"),
      // Quantities of the evicted resource (bytes, or a count of pids): checked as memory, in whole units.
      // A kubelet threshold may also be a percentage of capacity (`memory.available<10%`).
      threshold: quantity("threshold", "memory", { percent: true }).optional(),
      available: quantity("available", "memory").optional(),
      usage: quantity("usage", "memory").optional(),
      event: z.boolean().default(true),
      replace: z.boolean().default(true),
    })
    .refine((e) => (e.pod === undefined) !== (e.node === undefined), { message: "evict needs exactly one of pod or node" }),
  /** Node MemoryPressure condition (and taint) on or off, with the kubelet's events. */
  memoryPressure: z.strictObject({ ...NodeTarget, on: z.boolean().default(true), events: z.boolean().default(true) }),
  /** Kernel OOM on a node: kubelet SystemOOM event (and NPD OOMKilling with `npd`), optionally killing a container. */
  systemOOM: z.strictObject({
    ...NodeTarget,
    process: z.string().default("java"),
    pid: z.number().int().positive().default(4242),
    npd: z.boolean().default(false),
    victim: z.strictObject({ ...PodTarget, container: z.string().optional() }).optional(),
  }),
  /** Graceful node shutdown of a pod (DisruptionTarget TerminationByKubelet, not memory). */
  shutdown: z.strictObject({ ...PodTarget }),
  /** Change a Deployment's replica count (pods added or deleted). */
  scale: z.strictObject({ deployment: z.string().regex(/^[^/]+\/[^/]+$/, "deployment reference must be namespace/name"), replicas: z.number().int().nonnegative() }),
  /** A new run of a CronJob: Job and pod created (and completed with `complete`). */
  cronRun: z.strictObject({ cronJob: z.string().regex(/^[^/]+\/[^/]+$/, "cron job reference must be namespace/name"), node: z.string().optional(), complete: z.boolean().default(false) }),
  /** Set a container's log lines. */
  log: z.strictObject({ ...PodTarget, container: z.string().optional(), lines: z.array(z.string()), previous: z.boolean().default(false) }),
  /**
   * Set metrics-API usage for a pod's container or a node; with `over`, a linear ramp from the
   * current value to `memory` on the scenario clock (a leak), else a step (a spike).
   */
  metrics: z.strictObject({
    pod: PodTarget.pod.optional(),
    replica: PodTarget.replica,
    node: z.string().optional(),
    container: z.string().optional(),
    memory: quantity("memory", "memory"),
    cpu: quantity("cpu", "cpu").optional(),
    over: DurationSchema.optional(),
  }),
  /** Apply raw objects (create or replace). */
  apply: z.union([RawObject, z.array(RawObject)]),
  /** Delete an object. */
  delete: z.strictObject({ kind: z.string(), apiVersion: z.string().optional(), namespace: z.string().optional(), name: z.string() }),
} as const;

export type ActionName = keyof typeof ActionSchemas;
export const ACTION_NAMES = Object.keys(ActionSchemas) as ActionName[];

export type Action = { [K in ActionName]: { type: K; args: z.output<(typeof ActionSchemas)[K]> } }[ActionName];

const StepBase = z.strictObject({
  at: DurationSchema,
  /** Repeat the action `repeat` times in all, `every` apart. */
  every: DurationSchema.optional(),
  repeat: z.number().int().positive().optional(),
  /** Free text shown in progress output. */
  note: z.string().optional(),
  ...Object.fromEntries(ACTION_NAMES.map((name) => [name, ActionSchemas[name].optional()])),
});

export const StepSchema = StepBase.transform((raw, ctx) => {
  const present = ACTION_NAMES.filter((name) => (raw as Record<string, unknown>)[name] !== undefined);
  if (present.length !== 1) {
    // No action but an unknown key: that key is the misspelled action, already reported ("did you mean 'oomKill'?").
    if (present.length === 0 && ctx.issues.some((i) => i.code === "unrecognized_keys")) return z.NEVER;
    ctx.addIssue({ code: "custom", message: `a step needs exactly one action (one of: ${ACTION_NAMES.join(", ")}), found ${present.length ? present.join(", ") : "none"}` });
    return z.NEVER;
  }
  const type = present[0] as ActionName;
  return {
    at: raw.at,
    every: raw.every,
    repeat: raw.repeat ?? 1,
    note: raw.note,
    action: { type, args: (raw as Record<string, unknown>)[type] } as Action,
  };
});
export type Step = z.output<typeof StepSchema>;

/** An expected count: exact, or a range. */
export const ExpectationSchema = z.union([z.number().int().nonnegative(), z.strictObject({ min: z.number().int().nonnegative().optional(), max: z.number().int().nonnegative().optional() })]);
export type Expectation = z.output<typeof ExpectationSchema>;

export const ExpectSchema = z.strictObject({
  /** Occurrences the forwarder observes, by kind (Level 0 early warnings included). */
  observed: z.partialRecord(z.enum(["ContainerOOM", "PodEviction", "NodeOOM", "NodeMemoryPressure", "MemoryNearLimit", "NodeMemoryHigh"]), ExpectationSchema).optional(),
  /** Incidents by level ("1", "2", "3"). */
  incidents: z.partialRecord(z.enum(["1", "2", "3"]), ExpectationSchema).optional(),
  /** Messages in all dead-letter queues together. */
  deadLetters: ExpectationSchema.optional(),
});
export type Expect = z.output<typeof ExpectSchema>;

/**
 * A scenario's own policy, so a minute-long demo can show rules made for half an hour: the early-warning
 * rules (the forwarder's EARLY_WARNING_POLICY) and the escalation policy (the functions'
 * ESCALATION_POLICY), each validated with its own schema; `metricsInterval` is the sampling interval
 * on the scenario clock (the forwarder's METRICS_INTERVAL).
 */
export const ScenarioPolicySchema = z.strictObject({
  earlyWarning: z.optional(EarlyWarningPolicySchema),
  escalation: z.optional(EscalationPolicySchema),
  metricsInterval: DurationSchema.optional(),
});
export type ScenarioPolicy = z.output<typeof ScenarioPolicySchema>;

/**
 * The sandbox forwarder's settings for a scenario, as the in-cluster forwarder takes them from
 * its environment. `captureLogs` is OOMWATCH_CAPTURE_LOGS: the previous container's log tail
 * of an OOM-killed container, redacted (the demo turns it on). With it off the simulator does not
 * grant `pods/log` either, as a cluster without forwarder/deploy/clusterrole-logs.yaml would not.
 */
export const ScenarioForwarderSchema = z.strictObject({
  captureLogs: z.boolean().default(false),
});
export type ScenarioForwarder = z.output<typeof ScenarioForwarderSchema>;

export const ScenarioSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  /** Cluster name the sandbox's forwarder reports (default: the scenario name). */
  cluster: z.string().optional(),
  /** How long the scenario lasts (default: time of the last step). */
  duration: DurationSchema.optional(),
  namespaces: z.array(NamespaceSchema).default([]),
  nodes: z.array(NodeSchema).min(1, "a scenario needs at least one node"),
  deployments: z.array(DeploymentSchema).default([]),
  cronJobs: z.array(CronJobSchema).default([]),
  pods: z.array(PodSchema).default([]),
  objects: z.array(RawObject).default([]),
  steps: z.array(StepSchema).default([]),
  expect: ExpectSchema.optional(),
  policy: ScenarioPolicySchema.optional(),
  forwarder: ScenarioForwarderSchema.optional(),
});

export type ScenarioSpec = z.output<typeof ScenarioSchema>;
export type ScenarioContainer = z.output<typeof ContainerSchema>;
export type ScenarioDeployment = z.output<typeof DeploymentSchema>;

export interface Scenario extends ScenarioSpec {
  /** File it was loaded from (or the name given to parseScenario). */
  file: string;
  /** `duration`, or the time of the last step. */
  durationMs: number;
}
