/**
 * What the informer caches keep of each object (client-go's informer transform):
 * the fields detection (forwarder/detect), snapshots (shared/k8s/snapshot.ts), the
 * memory sampler (forwarder/sampler.ts), owner evidence (forwarder/evidence.ts) and
 * the memory history read, nothing else. A 10,000-pod cluster's pods are most of the
 * forwarder's memory, and a full pod (every env var, probe, volume, mount, condition
 * and the deserializer's empty fields) is ten times what these readers look at.
 * Projected objects keep their client-node types so every reader stays unchanged;
 * test/forwarder/cache-projection.test.ts proves detection and snapshots agree on
 * projected and full objects. A reader that needs a new field must add it here.
 * The parts equal across the pods of one ReplicaSet (container specs, labels, owners) and the
 * running state are shared, frozen instances (forwarder/interner.ts): cached objects are read-only.
 */
import type {
  V1Container,
  V1ContainerState,
  V1ContainerStatus,
  V1Node,
  V1ObjectMeta,
  V1Pod,
  V1PodCondition,
  V1PodStatus,
} from "@kubernetes/client-node";
import { memoryEnv, memoryFlags } from "../shared/k8s/memory-settings.ts";
import { isPodLabel, isRoutingKey } from "../shared/k8s/snapshot.ts";
import { Interner } from "./interner.ts";

/** Shared by every projected pod of the process (bounded; see Interner). */
const shared = new Interner();
/** The state of every running container (nothing reads its startedAt): one frozen instance. */
const RUNNING: V1ContainerState = Object.freeze({ running: Object.freeze({}) });

/** Pod conditions detection reads (forwarder/detect/pod.ts): eviction signal and time. */
const POD_CONDITIONS = new Set(["DisruptionTarget", "Ready"]);

/**
 * Pod labels kept: the snapshot's (isPodLabel), plus `pod-template-hash`, from which evidence names a
 * Deployment when its ReplicaSet is unreadable. Snapshots still pick only isPodLabel from this.
 */
const keepPodLabel = (k: string) => isPodLabel(k) || k === "pod-template-hash";

/** Copies the listed keys that are set (absent stays absent: no `undefined` slots per object). */
function copy<T extends object, K extends keyof T>(from: T | undefined, keys: readonly K[]): Pick<T, K> | undefined {
  if (!from) return undefined;
  const out = {} as Pick<T, K>;
  for (const k of keys) if (from[k] !== undefined && from[k] !== null) out[k] = from[k];
  return out;
}

function filterKeys(source: Record<string, string> | undefined, keep: (k: string) => boolean): Record<string, string> | undefined {
  if (!source) return undefined;
  const out: Record<string, string> = {};
  let kept = 0;
  for (const [k, v] of Object.entries(source)) {
    if (!keep(k)) continue;
    out[k] = v;
    kept++;
  }
  return kept ? out : undefined;
}

/** `intern` shares owners, labels and annotations between objects (pods of one ReplicaSet have the same). */
function projectMeta(meta: V1ObjectMeta | undefined, labels: (k: string) => boolean, intern = <T>(v: T) => v): V1ObjectMeta {
  // No creationTimestamp: no reader looks at an object's age, and a Date is ~100 bytes per pod.
  // resourceVersion stays: ListWatch takes its watch position from the (projected) objects.
  const out: V1ObjectMeta = copy(meta, ["name", "namespace", "uid", "resourceVersion", "deletionTimestamp"]) ?? {};
  const owners = meta?.ownerReferences?.map((r) => copy(r, ["kind", "name", "uid", "controller", "apiVersion"]) as typeof r);
  if (owners?.length) out.ownerReferences = intern(owners);
  const l = filterKeys(meta?.labels, labels);
  const a = filterKeys(meta?.annotations, isRoutingKey);
  if (l) out.labels = intern(l);
  if (a) out.annotations = intern(a);
  return out;
}

/** Only the variables and option strings memorySettings() reads, and of options only their memory flags. */
function projectContainer(c: V1Container): V1Container {
  const out = copy(c, ["name", "image", "restartPolicy"]) as V1Container;
  if (c.resources) out.resources = copy(c.resources, ["requests", "limits"]);
  const env = memoryEnv(c.env);
  if (env.length) out.env = env;
  const flags = (list: string[] | undefined) => list?.map((a) => memoryFlags(a).join(" ")).filter(Boolean);
  const command = flags(c.command);
  const args = flags(c.args);
  if (command?.length) out.command = command;
  if (args?.length) out.args = args;
  return out;
}

/**
 * Terminations (detection, snapshots) and whether it runs (the sampler keeps only running
 * containers' samples); a running state is kept as `{}`, since nothing reads its startedAt.
 */
function projectState(s: V1ContainerState | undefined): V1ContainerState | undefined {
  const t = s?.terminated;
  if (t) return { terminated: copy(t, ["reason", "exitCode", "finishedAt", "containerID", "message"]) as typeof t };
  return s?.running ? RUNNING : undefined;
}

/** The running container's ID is not read (detection keys on the terminated state's): ~100 bytes per container. */
function projectStatus(s: V1ContainerStatus): V1ContainerStatus {
  const out = copy(s, ["name", "restartCount"]) as V1ContainerStatus;
  const state = projectState(s.state);
  const last = projectState(s.lastState);
  if (state) out.state = state;
  if (last) out.lastState = last;
  return out;
}

/** The pod as the forwarder caches it. Idempotent: a projected pod projects to itself. */
export function projectPod(pod: V1Pod): V1Pod {
  const intern = <T>(v: T) => shared.intern(v);
  const out: V1Pod = { metadata: projectMeta(pod.metadata, keepPodLabel, intern) };
  const spec = pod.spec;
  if (spec) {
    out.spec = { ...copy(spec, ["nodeName", "priority", "priorityClassName"]), containers: intern(spec.containers?.map(projectContainer) ?? []) };
    if (spec.initContainers?.length) out.spec.initContainers = intern(spec.initContainers.map(projectContainer));
    if (spec.ephemeralContainers?.length) out.spec.ephemeralContainers = intern(spec.ephemeralContainers.map((c) => projectContainer(c as V1Container)));
  }
  const status = pod.status;
  if (status) {
    const outStatus: V1PodStatus = copy(status, ["phase", "reason", "message", "qosClass"]) ?? {};
    out.status = outStatus;
    const conditions = status.conditions?.filter((c) => POD_CONDITIONS.has(c.type)).map((c) => copy(c, ["type", "status", "reason", "message", "lastTransitionTime"]) as V1PodCondition);
    if (conditions?.length) outStatus.conditions = conditions;
    for (const key of ["containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"] as const) {
      const list = status[key];
      if (list?.length) outStatus[key] = list.map(projectStatus);
    }
  }
  return out;
}

/**
 * The node as the forwarder caches it: its conditions (pressure detection), capacity, taints and
 * labels (snapshots). Drops status.images and nodeInfo, which can be kilobytes per node.
 */
export function projectNode(node: V1Node): V1Node {
  const out: V1Node = { metadata: projectMeta(node.metadata, () => true) };
  if (node.spec) out.spec = copy(node.spec, ["taints", "unschedulable"]);
  if (node.status) out.status = copy(node.status, ["capacity", "allocatable", "conditions"]);
  return out;
}
