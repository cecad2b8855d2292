/**
 * Object factories: Kubernetes objects shaped as the kubelet and the controllers
 * write them (owner chains, QoS class, container statuses, eviction messages in
 * the new and old kubelet formats, node conditions and kubelet/NPD node events).
 * Every factory is pure: it returns new objects and never mutates its inputs, so
 * the caller decides when to `sim.apply()` them. Times default to now; pass `at`
 * (RFC 3339) to control them. UIDs are deterministic (uidFor) so keys are stable.
 */
import { createHash } from "node:crypto";
import { parseBytes } from "../../shared/quantity.ts";
import { nowIso, uidFor } from "./store.ts";
import type { CronJob, Deployment, Event, EventV1, Job, KubeObject, Lease, Namespace, Node, ObjectMeta, Pod, ReplicaSet, Wire } from "./types.ts";
import type { V1Container, V1ContainerStatus, V1EnvVar, V1OwnerReference, V1PodCondition } from "@kubernetes/client-node";

type Container = Wire<V1Container>;
type ContainerStatus = Wire<V1ContainerStatus>;
type EnvVar = Wire<V1EnvVar>;
type OwnerReference = Wire<V1OwnerReference>;
type PodCondition = Wire<V1PodCondition>;

export interface Quantities {
  memory?: string;
  cpu?: string;
}

/** Env value: a literal, or a reference (the value then never appears in the pod spec). */
export type EnvValue = string | { secretKeyRef: { name: string; key: string } } | { configMapKeyRef: { name: string; key: string } };

export interface ContainerSpec {
  name: string;
  image?: string;
  requests?: Quantities;
  limits?: Quantities;
  env?: Record<string, EnvValue>;
  command?: string[];
  args?: string[];
  /** Init container that keeps running (native sidecar, restartPolicy Always). */
  sidecar?: boolean;
}

export interface PodTemplateOptions {
  containers: ContainerSpec[];
  initContainers?: ContainerSpec[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  priorityClassName?: string;
  priority?: number;
  serviceAccountName?: string;
}

export interface PodPlacement {
  nodeName?: string;
  at?: string;
}

// ---------------------------------------------------------------- helpers

const hash = (seed: string) => createHash("sha1").update(seed).digest();
/** The alphabet Kubernetes uses for generated name suffixes (no vowels, no look-alikes). */
const SAFE = "bcdfghjklmnpqrstvwxz2456789";
export function nameSuffix(seed: string, length: number): string {
  const bytes = hash(seed);
  let out = "";
  for (let i = 0; i < length; i++) out += SAFE[(bytes[i] ?? 0) % SAFE.length];
  return out;
}

export function containerId(seed: string): string {
  return `containerd://${createHash("sha256").update(seed).digest("hex")}`;
}

const clone = <T>(obj: T): T => structuredClone(obj);

function meta(name: string, namespace: string | undefined, extra: Partial<ObjectMeta> = {}, at?: string): ObjectMeta {
  return {
    name,
    ...(namespace !== undefined ? { namespace } : {}),
    uid: uidFor(`${namespace ?? ""}/${name}/${extra.ownerReferences?.[0]?.uid ?? ""}`),
    creationTimestamp: at ?? nowIso(),
    ...extra,
  };
}

function ownerRef(obj: KubeObject & { metadata?: ObjectMeta }): OwnerReference {
  return {
    apiVersion: obj.apiVersion ?? "v1",
    kind: obj.kind ?? "",
    name: obj.metadata?.name ?? "",
    uid: obj.metadata?.uid ?? "",
    controller: true,
    blockOwnerDeletion: true,
  };
}

function envVars(env: Record<string, EnvValue> = {}): EnvVar[] {
  return Object.entries(env).map(([name, value]) => (typeof value === "string" ? { name, value } : { name, valueFrom: value }));
}

function container(spec: ContainerSpec): Container {
  const resources: Container["resources"] = {};
  if (spec.requests) resources.requests = { ...spec.requests };
  if (spec.limits) resources.limits = { ...spec.limits };
  return {
    name: spec.name,
    image: spec.image ?? `registry.example.com/${spec.name}:1.0.0`,
    ...(spec.command ? { command: spec.command } : {}),
    ...(spec.args ? { args: spec.args } : {}),
    ...(spec.env ? { env: envVars(spec.env) } : {}),
    resources,
    ...(spec.sidecar ? { restartPolicy: "Always" } : {}),
    terminationMessagePath: "/dev/termination-log",
    terminationMessagePolicy: "File",
    imagePullPolicy: "IfNotPresent",
  };
}

/** QoS class by the kubelet's rule (requests default to limits when only limits are set). */
export function qosClass(containers: Container[]): "Guaranteed" | "Burstable" | "BestEffort" {
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const limits = c.resources?.limits ?? {};
    const requests = { ...limits, ...(c.resources?.requests ?? {}) };
    for (const r of ["memory", "cpu"]) {
      if (requests[r] !== undefined || limits[r] !== undefined) any = true;
      if (limits[r] === undefined || requests[r] === undefined || parseBytes(limits[r]) !== parseBytes(requests[r])) guaranteed = false;
    }
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

function runningStatus(c: Container, podUid: string, at: string, restartCount = 0): ContainerStatus {
  return {
    name: c.name,
    image: c.image ?? "",
    imageID: `${(c.image ?? "").split(":")[0]}@sha256:${createHash("sha256").update(c.image ?? "").digest("hex")}`,
    containerID: containerId(`${podUid}/${c.name}/${restartCount}`),
    ready: true,
    started: true,
    restartCount,
    state: { running: { startedAt: at } },
    lastState: {},
  };
}

function readyConditions(at: string, ready: boolean): PodCondition[] {
  const s = ready ? "True" : "False";
  return [
    { type: "PodReadyToStartContainers", status: "True", lastTransitionTime: at },
    { type: "Initialized", status: "True", lastTransitionTime: at },
    { type: "Ready", status: s, lastTransitionTime: at, ...(ready ? {} : { reason: "ContainersNotReady" }) },
    { type: "ContainersReady", status: s, lastTransitionTime: at, ...(ready ? {} : { reason: "ContainersNotReady" }) },
    { type: "PodScheduled", status: "True", lastTransitionTime: at },
  ];
}

function ipFor(seed: string, prefix: string): string {
  const b = hash(seed);
  return `${prefix}.${(b[0] ?? 0) % 250}.${((b[1] ?? 0) % 250) + 2}`;
}

// ---------------------------------------------------------------- cluster-scoped objects

export function namespace(name: string, opts: { labels?: Record<string, string>; annotations?: Record<string, string>; at?: string } = {}): Namespace {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: meta(name, undefined, {
      labels: { "kubernetes.io/metadata.name": name, ...opts.labels },
      ...(opts.annotations ? { annotations: opts.annotations } : {}),
    }, opts.at),
    spec: { finalizers: ["kubernetes"] },
    status: { phase: "Active" },
  };
}

export interface NodeOptions {
  /** Capacity (default 16Gi memory, 4 cpu). */
  memory?: string;
  cpu?: string;
  /** Allocatable memory (default capacity minus 1Gi reserved and the 100Mi hard eviction threshold). */
  allocatableMemory?: string;
  pods?: number;
  instanceType?: string;
  zone?: string;
  labels?: Record<string, string>;
  taints?: { key: string; effect: string; value?: string }[];
  at?: string;
}

export function node(name: string, opts: NodeOptions = {}): Node {
  const at = opts.at ?? nowIso();
  const memory = opts.memory ?? "16Gi";
  const capacityKi = Math.round((parseBytes(memory) ?? 0) / 1024);
  const allocatableMemory = opts.allocatableMemory ?? `${capacityKi - 1024 * 1024 - 100 * 1024}Ki`;
  const condition = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: at,
    lastTransitionTime: at,
  });
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      uid: uidFor(`node/${name}`),
      creationTimestamp: at,
      labels: {
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "node.kubernetes.io/instance-type": opts.instanceType ?? "m6i.xlarge",
        "topology.kubernetes.io/zone": opts.zone ?? "us-east-1a",
        "topology.kubernetes.io/region": "us-east-1",
        ...opts.labels,
      },
      annotations: { "node.alpha.kubernetes.io/ttl": "0", "volumes.kubernetes.io/controller-managed-attach-detach": "true" },
    },
    spec: { providerID: `aws:///us-east-1a/i-${hash(name).toString("hex").slice(0, 17)}`, ...(opts.taints ? { taints: opts.taints } : {}) },
    status: {
      capacity: { cpu: opts.cpu ?? "4", memory: `${capacityKi}Ki`, pods: String(opts.pods ?? 58), "ephemeral-storage": "83873772Ki" },
      allocatable: { cpu: opts.cpu ? `${Number(opts.cpu) * 1000 - 80}m` : "3920m", memory: allocatableMemory, pods: String(opts.pods ?? 58), "ephemeral-storage": "76224326324" },
      conditions: [
        condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
      ],
      addresses: [
        { type: "InternalIP", address: ipFor(name, "10.0") },
        { type: "Hostname", address: name },
      ],
      nodeInfo: {
        machineID: hash(`m/${name}`).toString("hex").slice(0, 32),
        systemUUID: uidFor(`sys/${name}`),
        bootID: uidFor(`boot/${name}`),
        kernelVersion: "6.1.112-124.190.amzn2023.x86_64",
        osImage: "Amazon Linux 2023.6.20241031",
        containerRuntimeVersion: "containerd://1.7.23",
        kubeletVersion: "v1.31.2-eks-94953ac",
        kubeProxyVersion: "v1.31.2-eks-94953ac",
        operatingSystem: "linux",
        architecture: "amd64",
      },
    },
  };
}

const NODE_CONDITION_TEXT: Record<string, Record<"True" | "False", [string, string]>> = {
  MemoryPressure: {
    True: ["KubeletHasInsufficientMemory", "kubelet has insufficient memory available"],
    False: ["KubeletHasSufficientMemory", "kubelet has sufficient memory available"],
  },
  DiskPressure: {
    True: ["KubeletHasDiskPressure", "kubelet has disk pressure"],
    False: ["KubeletHasNoDiskPressure", "kubelet has no disk pressure"],
  },
  PIDPressure: {
    True: ["KubeletHasInsufficientPID", "kubelet has insufficient PID available"],
    False: ["KubeletHasSufficientPID", "kubelet has sufficient PID available"],
  },
};

const PRESSURE_TAINT: Record<string, string> = {
  MemoryPressure: "node.kubernetes.io/memory-pressure",
  DiskPressure: "node.kubernetes.io/disk-pressure",
  PIDPressure: "node.kubernetes.io/pid-pressure",
};

/**
 * The node with a pressure condition set (transition time moves only when the status
 * changes) and the matching NoSchedule taint added or removed, as the kubelet and the
 * node lifecycle controller do.
 */
export function nodePressure(n: Node, on: boolean, opts: { condition?: "MemoryPressure" | "DiskPressure" | "PIDPressure"; at?: string } = {}): Node {
  const at = opts.at ?? nowIso();
  const type = opts.condition ?? "MemoryPressure";
  const status = on ? "True" : "False";
  const [reason, message] = NODE_CONDITION_TEXT[type]?.[status] ?? ["", ""];
  const out = clone(n);
  const conditions = out.status?.conditions ?? [];
  const existing = conditions.find((c) => c.type === type);
  const changed = existing?.status !== status;
  const updated = { type, status, reason, message, lastHeartbeatTime: at, lastTransitionTime: changed ? at : (existing?.lastTransitionTime ?? at) };
  out.status = { ...out.status, conditions: existing ? conditions.map((c) => (c.type === type ? updated : c)) : [...conditions, updated] };
  const taintKey = PRESSURE_TAINT[type] ?? "";
  const taints = (out.spec?.taints ?? []).filter((t) => t.key !== taintKey);
  if (on) taints.push({ key: taintKey, effect: "NoSchedule", timeAdded: at });
  out.spec = { ...out.spec, taints };
  if (taints.length === 0) delete out.spec.taints;
  return out;
}

/** Shorthand for the MemoryPressure condition transition. */
export function nodeMemoryPressure(n: Node, on: boolean, opts: { at?: string } = {}): Node {
  return nodePressure(n, on, { condition: "MemoryPressure", ...opts });
}

// ---------------------------------------------------------------- pods and their owners

interface PodBuild {
  namespace: string;
  name: string;
  template: PodTemplateOptions;
  owner?: KubeObject & { metadata?: ObjectMeta };
  extraLabels?: Record<string, string>;
  restartPolicy: string;
  placement: PodPlacement;
}

function buildPod(b: PodBuild): Pod {
  const at = b.placement.at ?? nowIso();
  const containers = b.template.containers.map(container);
  const initContainers = (b.template.initContainers ?? []).map(container);
  const uid = uidFor(`pod/${b.namespace}/${b.name}`);
  const nodeName = b.placement.nodeName;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: b.name,
      namespace: b.namespace,
      uid,
      creationTimestamp: at,
      labels: { ...b.template.labels, ...b.extraLabels },
      ...(b.template.annotations ? { annotations: { ...b.template.annotations } } : {}),
      ...(b.owner ? { ownerReferences: [ownerRef(b.owner)] } : {}),
    },
    spec: {
      containers,
      ...(initContainers.length ? { initContainers } : {}),
      restartPolicy: b.restartPolicy,
      terminationGracePeriodSeconds: 30,
      dnsPolicy: "ClusterFirst",
      serviceAccountName: b.template.serviceAccountName ?? "default",
      schedulerName: "default-scheduler",
      ...(nodeName ? { nodeName } : {}),
      ...(b.template.priorityClassName ? { priorityClassName: b.template.priorityClassName } : {}),
      priority: b.template.priority ?? 0,
      enableServiceLinks: true,
      preemptionPolicy: "PreemptLowerPriority",
      tolerations: [
        { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
        { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
      ],
    },
    status: {
      phase: nodeName ? "Running" : "Pending",
      conditions: nodeName ? readyConditions(at, true) : [{ type: "PodScheduled", status: "False", reason: "Unschedulable", lastTransitionTime: at }],
      ...(nodeName
        ? {
            hostIP: ipFor(nodeName, "10.0"),
            podIP: ipFor(uid, "10.1"),
            startTime: at,
            containerStatuses: containers.map((c) => runningStatus(c, uid, at)),
            ...(initContainers.length
              ? {
                  initContainerStatuses: initContainers.map((c) => ({
                    ...runningStatus(c, uid, at),
                    ready: !!c.restartPolicy,
                    started: !!c.restartPolicy,
                    state: c.restartPolicy
                      ? { running: { startedAt: at } }
                      : { terminated: { exitCode: 0, reason: "Completed", startedAt: at, finishedAt: at, containerID: containerId(`${uid}/${c.name}/0`) } },
                  })),
                }
              : {}),
          }
        : {}),
      qosClass: qosClass([...containers, ...initContainers]),
    },
  };
}

export interface DeploymentOptions extends PodTemplateOptions {
  replicas?: number;
  at?: string;
}

export interface DeploymentObjects {
  deployment: Deployment;
  replicaSet: ReplicaSet;
  /** The i-th pod of the ReplicaSet (stable name and UID for a given i). */
  pod(i: number, placement?: PodPlacement): Pod;
}

function templateSpec(t: PodTemplateOptions, labels: Record<string, string>, restartPolicy: string) {
  return {
    metadata: { labels, ...(t.annotations ? { annotations: t.annotations } : {}) },
    spec: {
      containers: t.containers.map(container),
      ...(t.initContainers?.length ? { initContainers: t.initContainers.map(container) } : {}),
      restartPolicy,
      ...(t.priorityClassName ? { priorityClassName: t.priorityClassName } : {}),
    },
  };
}

export function deployment(ns: string, name: string, opts: DeploymentOptions): DeploymentObjects {
  const at = opts.at ?? nowIso();
  const replicas = opts.replicas ?? 1;
  const labels = { "app.kubernetes.io/name": name, ...opts.labels };
  const templateHash = nameSuffix(`${ns}/${name}/${JSON.stringify(opts.containers)}`, 10);
  const template = templateSpec(opts, labels, "Always");
  const deploy: Deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { ...meta(name, ns, { labels, generation: 1, annotations: { "deployment.kubernetes.io/revision": "1" } }, at) },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template,
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    },
    status: { observedGeneration: 1, replicas, readyReplicas: replicas, availableReplicas: replicas, updatedReplicas: replicas },
  };
  const rsName = `${name}-${templateHash}`;
  const rsLabels = { ...labels, "pod-template-hash": templateHash };
  const replicaSet: ReplicaSet = {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: meta(
      rsName,
      ns,
      {
        labels: rsLabels,
        annotations: { "deployment.kubernetes.io/desired-replicas": String(replicas), "deployment.kubernetes.io/max-replicas": String(replicas + 1), "deployment.kubernetes.io/revision": "1" },
        ownerReferences: [ownerRef(deploy as KubeObject)],
        generation: 1,
      },
      at,
    ),
    spec: { replicas, selector: { matchLabels: rsLabels }, template: { ...template, metadata: { ...template.metadata, labels: rsLabels } } },
    status: { replicas, readyReplicas: replicas, availableReplicas: replicas, fullyLabeledReplicas: replicas, observedGeneration: 1 },
  };
  return {
    deployment: deploy,
    replicaSet,
    pod: (i, placement = {}) =>
      buildPod({
        namespace: ns,
        name: `${rsName}-${nameSuffix(`${rsName}/${i}`, 5)}`,
        template: opts,
        owner: replicaSet as KubeObject,
        extraLabels: { "app.kubernetes.io/name": name, "pod-template-hash": templateHash },
        restartPolicy: "Always",
        placement: { at, ...placement },
      }),
  };
}

export interface CronJobOptions extends PodTemplateOptions {
  schedule?: string;
  at?: string;
}

export interface CronJobObjects {
  cronJob: CronJob;
  /** The Job created for a scheduled time (default: the CronJob's `at`). */
  job(scheduledAt?: string): Job;
  /** The pod of that Job. */
  pod(job: Job, placement?: PodPlacement): Pod;
}

export function cronJob(ns: string, name: string, opts: CronJobOptions): CronJobObjects {
  const at = opts.at ?? nowIso();
  const labels = { "app.kubernetes.io/name": name, ...opts.labels };
  const cj: CronJob = {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: meta(name, ns, { labels, generation: 1 }, at),
    spec: {
      schedule: opts.schedule ?? "*/15 * * * *",
      concurrencyPolicy: "Forbid",
      suspend: false,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
      jobTemplate: { spec: { backoffLimit: 2, template: templateSpec(opts, labels, "Never") } },
    },
    status: { lastScheduleTime: at },
  };
  const job = (scheduledAt = at): Job => {
    // The CronJob controller names jobs by the scheduled time in minutes since the epoch.
    const jobName = `${name}-${Math.floor(Date.parse(scheduledAt) / 60_000)}`;
    const uid = uidFor(`job/${ns}/${jobName}`);
    const jobLabels = { ...labels, "batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": jobName, "controller-uid": uid, "job-name": jobName };
    return {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: {
        ...meta(jobName, ns, { labels: jobLabels, ownerReferences: [ownerRef(cj as KubeObject)], annotations: { "batch.kubernetes.io/cronjob-scheduled-timestamp": scheduledAt } }, scheduledAt),
        uid,
      },
      spec: {
        backoffLimit: 2,
        completions: 1,
        parallelism: 1,
        selector: { matchLabels: { "batch.kubernetes.io/controller-uid": uid } },
        template: { ...templateSpec(opts, jobLabels, "Never") },
      },
      status: { active: 1, startTime: scheduledAt },
    };
  };
  return {
    cronJob: cj,
    job,
    pod: (j, placement = {}) =>
      buildPod({
        namespace: ns,
        name: `${j.metadata?.name}-${nameSuffix(j.metadata?.uid ?? "", 5)}`,
        template: opts,
        owner: j as KubeObject,
        extraLabels: { ...(j.metadata?.labels ?? {}) },
        restartPolicy: "Never",
        placement: { at: j.status?.startTime ?? at, ...placement },
      }),
  };
}

/** A bare pod (no owner), e.g. a static or debug pod. */
export function pod(ns: string, name: string, opts: PodTemplateOptions & PodPlacement & { restartPolicy?: string }): Pod {
  return buildPod({ namespace: ns, name, template: opts, restartPolicy: opts.restartPolicy ?? "Always", placement: opts });
}

export function lease(ns: string, name: string, holder: string, opts: { durationSeconds?: number; at?: string } = {}): Lease {
  const at = opts.at ?? new Date().toISOString().replace("Z", "000Z");
  return {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: meta(name, ns, {}, opts.at),
    spec: { holderIdentity: holder, leaseDurationSeconds: opts.durationSeconds ?? 15, acquireTime: at, renewTime: at, leaseTransitions: 0 },
  };
}

// ---------------------------------------------------------------- container terminations

export interface TerminationOptions {
  reason: string;
  exitCode: number;
  /** When the container ended (default now). */
  finishedAt?: string;
  startedAt?: string;
  /** restartCount after this termination (default: current + 1 when restarted). */
  restartCount?: number;
  init?: boolean;
  ephemeral?: boolean;
  /**
   * true (default): the container was restarted and the termination shows in lastState
   * (state running again, or waiting in CrashLoopBackOff with `crashLoop`);
   * false: it shows in state.terminated (not restarted yet, or restartPolicy Never).
   */
  inLastState?: boolean;
  crashLoop?: boolean;
  message?: string;
}

type StatusList = "containerStatuses" | "initContainerStatuses" | "ephemeralContainerStatuses";

/** A pod whose container ended as described. Throws when the container has no status. */
export function podTerminated(p: Pod, containerName: string, opts: TerminationOptions): Pod {
  const out = clone(p);
  const list: StatusList = opts.ephemeral ? "ephemeralContainerStatuses" : opts.init ? "initContainerStatuses" : "containerStatuses";
  const status = out.status ?? {};
  const statuses = status[list] ?? [];
  const current = statuses.find((s) => s.name === containerName);
  if (!current) throw new Error(`pod ${p.metadata?.namespace}/${p.metadata?.name} has no ${list} entry for container ${containerName}`);
  const finishedAt = opts.finishedAt ?? nowIso();
  const inLastState = opts.inLastState ?? true;
  const restartCount = opts.restartCount ?? current.restartCount + (inLastState ? 1 : 0);
  const terminated = {
    exitCode: opts.exitCode,
    reason: opts.reason,
    ...(opts.message ? { message: opts.message } : {}),
    startedAt: opts.startedAt ?? current.state?.running?.startedAt ?? finishedAt,
    finishedAt,
    containerID: current.containerID,
  };
  const uid = p.metadata?.uid ?? "";
  const next: ContainerStatus = inLastState
    ? {
        ...current,
        restartCount,
        containerID: opts.crashLoop ? current.containerID : containerId(`${uid}/${containerName}/${restartCount}`),
        lastState: { terminated },
        state: opts.crashLoop
          ? { waiting: { reason: "CrashLoopBackOff", message: `back-off 10s restarting failed container=${containerName} pod=${p.metadata?.name}_${p.metadata?.namespace}(${uid})` } }
          : { running: { startedAt: finishedAt } },
        ready: !opts.crashLoop,
        started: !opts.crashLoop,
      }
    : { ...current, restartCount, state: { terminated }, ready: false, started: false };
  out.status = { ...status, [list]: statuses.map((s) => (s.name === containerName ? next : s)) };
  const ready = (out.status.containerStatuses ?? []).every((s) => s.ready);
  out.status.conditions = (out.status.conditions ?? []).map((c) =>
    c.type === "Ready" || c.type === "ContainersReady"
      ? { ...c, status: ready ? "True" : "False", lastTransitionTime: finishedAt, ...(ready ? { reason: undefined } : { reason: "ContainersNotReady" }) }
      : c,
  );
  for (const c of out.status.conditions) if (c.reason === undefined) delete c.reason;
  if (opts.init && !inLastState) out.status.phase = p.spec?.restartPolicy === "Never" ? "Failed" : "Pending";
  return out;
}

/** Container killed by the cgroup OOM killer (`OOMKilled`, exit 137 unless told otherwise). */
export function podOomKilled(p: Pod, containerName: string, opts: Omit<TerminationOptions, "reason" | "exitCode"> & { exitCode?: number } = {}): Pod {
  return podTerminated(p, containerName, { ...opts, reason: "OOMKilled", exitCode: opts.exitCode ?? 137 });
}

/** Liveness-probe kill: exit 137 with reason `Error` — a look-alike that is NOT an OOM. */
export function podLivenessKilled(p: Pod, containerName: string, opts: { finishedAt?: string } = {}): Pod {
  return podTerminated(p, containerName, { reason: "Error", exitCode: 137, ...opts });
}

/** The pod with an ephemeral (debug) container added and running. */
export function podWithEphemeralContainer(p: Pod, spec: ContainerSpec & { targetContainerName?: string }, opts: { at?: string } = {}): Pod {
  const at = opts.at ?? nowIso();
  const out = clone(p);
  const c = container(spec);
  out.spec = {
    containers: [],
    ...out.spec,
    ephemeralContainers: [...(out.spec?.ephemeralContainers ?? []), { ...c, ...(spec.targetContainerName ? { targetContainerName: spec.targetContainerName } : {}) }],
  };
  out.status = { ...out.status, ephemeralContainerStatuses: [...(out.status?.ephemeralContainerStatuses ?? []), runningStatus(c, p.metadata?.uid ?? "", at)] };
  return out;
}

// ---------------------------------------------------------------- evictions

export type EvictionResource = "memory" | "ephemeral-storage" | "pids";

export interface EvictionOptions {
  resource?: EvictionResource;
  /** Kubelet message format: `new` (1.25+, "request is R, has larger consumption") or `old` ("which exceeds its request of R"). */
  format?: "new" | "old";
  threshold?: string;
  available?: string;
  /** Offending containers with usage (and request; default: the spec's request or 0). */
  containers?: { name: string; usage: string; request?: string }[];
  at?: string;
}

function containerRequest(p: Pod, name: string, resource: EvictionResource): string {
  const c = p.spec?.containers.find((x) => x.name === name);
  return c?.resources?.requests?.[resource] ?? "0";
}

/** The kubelet's eviction message for these options (exact formats, trailing space included). */
export function evictionMessage(p: Pod, opts: EvictionOptions = {}): string {
  const resource = opts.resource ?? "memory";
  const containers = opts.containers ?? [{ name: p.spec?.containers[0]?.name ?? "app", usage: "1200Mi" }];
  let message = `The node was low on resource: ${resource}. `;
  if ((opts.format ?? "new") === "new") message += `Threshold quantity: ${opts.threshold ?? "100Mi"}, available: ${opts.available ?? "91924Ki"}. `;
  for (const c of containers) {
    const request = c.request ?? containerRequest(p, c.name, resource);
    message +=
      (opts.format ?? "new") === "new"
        ? `Container ${c.name} was using ${c.usage}, request is ${request}, has larger consumption of ${resource}. `
        : `Container ${c.name} was using ${c.usage}, which exceeds its request of ${request}. `;
  }
  return message;
}

/**
 * The evicted pod as the kubelet leaves it: phase Failed, reason Evicted, the message,
 * a DisruptionTarget condition (TerminationByKubelet) and containers terminated (137, Error).
 */
export function podEvicted(p: Pod, opts: EvictionOptions = {}): Pod {
  const at = opts.at ?? nowIso();
  const message = evictionMessage(p, opts);
  return podStoppedByKubelet(p, { reason: "Evicted", message, at });
}

/** Graceful node shutdown: DisruptionTarget TerminationByKubelet too — NOT a memory incident. */
export function podNodeShutdown(p: Pod, opts: { at?: string } = {}): Pod {
  const message = "Pod was terminated in response to imminent node shutdown.";
  return podStoppedByKubelet(p, { reason: "Terminated", message, at: opts.at ?? nowIso() });
}

function podStoppedByKubelet(p: Pod, s: { reason: string; message: string; at: string }): Pod {
  const out = clone(p);
  const status = out.status ?? {};
  const stop = (cs: ContainerStatus): ContainerStatus => ({
    ...cs,
    ready: false,
    started: false,
    state: { terminated: { exitCode: 137, reason: "Error", startedAt: cs.state?.running?.startedAt ?? s.at, finishedAt: s.at, containerID: cs.containerID } },
  });
  out.status = {
    ...status,
    phase: "Failed",
    reason: s.reason,
    message: s.message,
    containerStatuses: (status.containerStatuses ?? []).map(stop),
    conditions: [
      { type: "DisruptionTarget", status: "True", reason: "TerminationByKubelet", message: s.message, lastTransitionTime: s.at },
      ...(status.conditions ?? [])
        .filter((c) => c.type !== "DisruptionTarget")
        .map((c) => (c.type === "Ready" || c.type === "ContainersReady" ? { ...c, status: "False", reason: "PodFailed", lastTransitionTime: s.at } : c)),
    ],
  };
  return out;
}

// ---------------------------------------------------------------- events

let eventSeq = 0;

interface EventInput {
  involved: { kind: string; name: string; namespace?: string; uid: string; apiVersion: string; fieldPath?: string; resourceVersion?: string };
  namespace: string;
  type: "Normal" | "Warning";
  reason: string;
  message: string;
  component: string;
  host?: string;
  annotations?: Record<string, string>;
  at?: string;
  count?: number;
}

/** A core/v1 Event as `kubectl get events -o json` shows it. */
export function event(e: EventInput): Event {
  const at = e.at ?? nowIso();
  // Names are "<object>.<hex of unix nanos>" like client-go's recorder; a counter keeps them unique.
  const nanos = BigInt(Date.parse(at)) * 1_000_000n + BigInt(++eventSeq);
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: {
      name: `${e.involved.name}.${nanos.toString(16)}`,
      namespace: e.namespace,
      uid: uidFor(`event/${e.involved.uid}/${e.reason}/${nanos}`),
      creationTimestamp: at,
      ...(e.annotations ? { annotations: e.annotations } : {}),
    },
    involvedObject: e.involved,
    reason: e.reason,
    message: e.message,
    source: { component: e.component, ...(e.host ? { host: e.host } : {}) },
    firstTimestamp: at,
    lastTimestamp: at,
    count: e.count ?? 1,
    type: e.type,
    reportingComponent: e.component,
    reportingInstance: e.host ?? "",
  };
}

/** The same event in the events.k8s.io/v1 shape. */
export function toEventsV1(e: Event): EventV1 {
  return {
    apiVersion: "events.k8s.io/v1",
    kind: "Event",
    metadata: { ...e.metadata },
    eventTime: e.eventTime ?? e.firstTimestamp ?? nowIso(),
    regarding: e.involvedObject,
    reason: e.reason,
    note: e.message,
    type: e.type,
    reportingController: e.reportingComponent || e.source?.component || "",
    reportingInstance: e.reportingInstance || e.source?.host || "",
    action: e.reason,
    ...(e.count && e.count > 1 ? { deprecatedCount: e.count } : {}),
    deprecatedFirstTimestamp: e.firstTimestamp,
    deprecatedLastTimestamp: e.lastTimestamp,
    deprecatedSource: e.source,
  };
}

function podRef(p: Pod) {
  return { kind: "Pod", namespace: p.metadata?.namespace ?? "", name: p.metadata?.name ?? "", uid: p.metadata?.uid ?? "", apiVersion: "v1" };
}

/** Kubelet references nodes with uid = node name. */
function nodeRef(nodeName: string) {
  return { kind: "Node", name: nodeName, uid: nodeName, apiVersion: "v1" };
}

/**
 * The pod's `Evicted` Warning event with the kubelet's annotations
 * (`offending_containers`, `offending_containers_usage`, `starved_resource`).
 */
export function evictionEvent(p: Pod, opts: EvictionOptions = {}): Event {
  const containers = opts.containers ?? [{ name: p.spec?.containers[0]?.name ?? "app", usage: "1200Mi" }];
  return event({
    involved: podRef(p),
    namespace: p.metadata?.namespace ?? "default",
    type: "Warning",
    reason: "Evicted",
    message: evictionMessage(p, { ...opts, containers }),
    component: "kubelet",
    ...(p.spec?.nodeName ? { host: p.spec.nodeName } : {}),
    annotations: {
      offending_containers: containers.map((c) => c.name).join(","),
      offending_containers_usage: containers.map((c) => c.usage).join(","),
      starved_resource: opts.resource ?? "memory",
    },
    ...(opts.at ? { at: opts.at } : {}),
  });
}

function nodeEvent(nodeName: string, type: "Normal" | "Warning", reason: string, message: string, component: string, at?: string): Event {
  return event({ involved: nodeRef(nodeName), namespace: "default", type, reason, message, component, host: nodeName, ...(at ? { at } : {}) });
}

/** kubelet: `System OOM encountered, victim process: P, pid: N`. */
export function systemOOMEvent(nodeName: string, opts: { process: string; pid: number; at?: string }): Event {
  return nodeEvent(nodeName, "Warning", "SystemOOM", `System OOM encountered, victim process: ${opts.process}, pid: ${opts.pid}`, "kubelet", opts.at);
}

/** node-problem-detector's kernel monitor: `Killed process N (P) total-vm:...`. */
export function oomKillingEvent(nodeName: string, opts: { process: string; pid: number; totalVmKb?: number; anonRssKb?: number; at?: string }): Event {
  const totalVm = opts.totalVmKb ?? 4_718_592;
  const anonRss = opts.anonRssKb ?? 2_031_616;
  return nodeEvent(
    nodeName,
    "Warning",
    "OOMKilling",
    `Killed process ${opts.pid} (${opts.process}) total-vm:${totalVm}kB, anon-rss:${anonRss}kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:4512kB oom_score_adj:1000`,
    "kernel-monitor",
    opts.at,
  );
}

/** kubelet's eviction manager: `EvictionThresholdMet` / `Attempting to reclaim memory`. */
export function evictionThresholdMetEvent(nodeName: string, opts: { resource?: string; at?: string } = {}): Event {
  return nodeEvent(nodeName, "Warning", "EvictionThresholdMet", `Attempting to reclaim ${opts.resource ?? "memory"}`, "kubelet", opts.at);
}

/** kubelet's node status: `NodeHasInsufficientMemory` — type Normal. */
export function nodeHasInsufficientMemoryEvent(nodeName: string, opts: { at?: string } = {}): Event {
  return nodeEvent(nodeName, "Normal", "NodeHasInsufficientMemory", `Node ${nodeName} status is now: NodeHasInsufficientMemory`, "kubelet", opts.at);
}

/** kubelet's node status back to normal: `NodeHasSufficientMemory` (Normal). */
export function nodeHasSufficientMemoryEvent(nodeName: string, opts: { at?: string } = {}): Event {
  return nodeEvent(nodeName, "Normal", "NodeHasSufficientMemory", `Node ${nodeName} status is now: NodeHasSufficientMemory`, "kubelet", opts.at);
}

/** Liveness failure events that accompany a liveness kill (Unhealthy + Killing). */
export function livenessEvents(p: Pod, containerName: string, opts: { at?: string } = {}): Event[] {
  const involved = { ...podRef(p), fieldPath: `spec.containers{${containerName}}` };
  const base = { involved, namespace: p.metadata?.namespace ?? "default", component: "kubelet", ...(p.spec?.nodeName ? { host: p.spec.nodeName } : {}), ...(opts.at ? { at: opts.at } : {}) };
  return [
    event({ ...base, type: "Warning", reason: "Unhealthy", message: "Liveness probe failed: Get \"http://10.1.0.12:8080/healthz\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)", count: 3 }),
    event({ ...base, type: "Normal", reason: "Killing", message: `Container ${containerName} failed liveness probe, will be restarted` }),
  ];
}

/** kubelet's `BackOff` warning for a crash-looping container. */
export function backOffEvent(p: Pod, containerName: string, opts: { at?: string } = {}): Event {
  return event({
    involved: { ...podRef(p), fieldPath: `spec.containers{${containerName}}` },
    namespace: p.metadata?.namespace ?? "default",
    type: "Warning",
    reason: "BackOff",
    message: `Back-off restarting failed container ${containerName} in pod ${p.metadata?.name}_${p.metadata?.namespace}(${p.metadata?.uid})`,
    component: "kubelet",
    ...(p.spec?.nodeName ? { host: p.spec.nodeName } : {}),
    ...(opts.at ? { at: opts.at } : {}),
  });
}
