/**
 * A large simulated cluster for the forwarder benchmark: N pods of Deployments
 * spread over M nodes, and a driver that OOM-kills a different pod each time at a
 * steady rate (each kill is one ContainerOOM occurrence with its own key).
 */
import * as f from "../sandbox/k8s-sim/factories.ts";
import type { K8sSimulator } from "../sandbox/k8s-sim/server.ts";
import type { Pod } from "../sandbox/k8s-sim/types.ts";

export interface ClusterSize {
  pods: number;
  nodes: number;
  /** Pods per Deployment (its replicas). */
  podsPerDeployment: number;
  namespaces: number;
}

export interface PodRef {
  namespace: string;
  name: string;
}

const CONTAINER = "app";

/** Applies nodes, namespaces, Deployments, ReplicaSets and pods; returns the pods in kill order. */
export function populateCluster(sim: K8sSimulator, size: ClusterSize): PodRef[] {
  const nodes = Array.from({ length: size.nodes }, (_, i) => `node-${String(i + 1).padStart(3, "0")}`);
  for (const name of nodes) sim.apply(f.node(name, { memory: "64Gi", cpu: "16" }));
  for (let n = 0; n < size.namespaces; n++) sim.apply(f.namespace(`team-${n + 1}`));
  const pods: PodRef[] = [];
  const deployments = Math.ceil(size.pods / size.podsPerDeployment);
  for (let d = 0; d < deployments && pods.length < size.pods; d++) {
    const namespace = `team-${(d % size.namespaces) + 1}`;
    const objects = f.deployment(namespace, `svc-${d + 1}`, {
      replicas: size.podsPerDeployment,
      containers: [
        { name: CONTAINER, requests: { memory: "256Mi", cpu: "100m" }, limits: { memory: "512Mi" }, env: { JAVA_TOOL_OPTIONS: "-XX:MaxRAMPercentage=75" } },
        { name: "proxy", requests: { memory: "64Mi", cpu: "50m" }, limits: { memory: "128Mi" } },
      ],
    });
    sim.apply(objects.deployment);
    sim.apply(objects.replicaSet);
    for (let i = 0; i < size.podsPerDeployment && pods.length < size.pods; i++) {
      const pod = objects.pod(i, { nodeName: nodes[pods.length % nodes.length] });
      sim.apply(pod);
      pods.push({ namespace, name: pod.metadata?.name ?? "" });
    }
  }
  return pods;
}

/**
 * OOM-kills `perSecond` pods a second for `seconds`, in ticks of 100 ms, each pod at most
 * once (so every kill is a new occurrence). Returns how many kills were applied.
 */
export async function oomKillAtRate(sim: K8sSimulator, pods: readonly PodRef[], perSecond: number, seconds: number): Promise<number> {
  const tickMs = 100;
  const total = Math.min(pods.length, Math.round(perSecond * seconds));
  const started = Date.now();
  let done = 0;
  while (done < total) {
    // Catch up to the schedule instead of drifting when a tick runs late.
    const due = Math.min(total, Math.floor(((Date.now() - started) / 1000) * perSecond) + 1);
    for (; done < due; done++) {
      const ref = pods[done]!;
      const current = sim.get<Pod>("Pod", ref.namespace, ref.name);
      if (current) sim.apply(f.podOomKilled(current, CONTAINER));
    }
    await new Promise((r) => setTimeout(r, tickMs));
  }
  return done;
}
