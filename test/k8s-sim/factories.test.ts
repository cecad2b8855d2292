/** Object factories: exact kubelet formats, owner chains, QoS, and schema validity (kubernetes-models). */
import { Deployment as DeploymentModel, ReplicaSet as ReplicaSetModel } from "kubernetes-models/apps/v1";
import { CronJob as CronJobModel, Job as JobModel } from "kubernetes-models/batch/v1";
import { Lease as LeaseModel } from "kubernetes-models/coordination.k8s.io/v1";
import { Event as EventsV1Model } from "kubernetes-models/events.k8s.io/v1";
import { Event as EventModel, Namespace as NamespaceModel, Node as NodeModel, Pod as PodModel } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import * as f from "../../sandbox/k8s-sim/factories.ts";

const jvm = f.deployment("payments", "ledger", {
  replicas: 2,
  containers: [
    {
      name: "app",
      requests: { memory: "512Mi", cpu: "250m" },
      limits: { memory: "1Gi" },
      env: { JAVA_TOOL_OPTIONS: "-Xmx1536m", DB_PASSWORD: { secretKeyRef: { name: "db", key: "password" } } },
    },
  ],
});
const pod = jvm.pod(0, { nodeName: "node-a", at: "2024-11-04T10:00:00Z" });

describe("factories", () => {
  it("produce objects that validate against the Kubernetes schemas", () => {
    const cron = f.cronJob("batch", "report", { containers: [{ name: "report" }] });
    const job = cron.job("2024-11-04T10:00:00Z");
    const validate = (Model: new (data: never) => { validate(): void }, data: unknown) => new Model(data as never).validate();
    validate(DeploymentModel, jvm.deployment);
    validate(ReplicaSetModel, jvm.replicaSet);
    validate(PodModel, pod);
    validate(PodModel, f.podOomKilled(pod, "app"));
    validate(PodModel, f.podEvicted(pod));
    validate(CronJobModel, cron.cronJob);
    validate(JobModel, job);
    validate(PodModel, cron.pod(job, { nodeName: "node-b" }));
    validate(NodeModel, f.nodeMemoryPressure(f.node("node-a"), true));
    validate(NamespaceModel, f.namespace("payments"));
    validate(LeaseModel, f.lease("oomwatch", "forwarder", "pod-a"));
    validate(EventModel, f.evictionEvent(pod));
    validate(EventModel, f.systemOOMEvent("node-a", { process: "java", pid: 1 }));
    validate(EventsV1Model, f.toEventsV1(f.systemOOMEvent("node-a", { process: "java", pid: 1 })));
  });

  it("chain owners Pod -> ReplicaSet -> Deployment and Pod -> Job -> CronJob with matching UIDs", () => {
    expect(pod.metadata?.ownerReferences?.[0]).toMatchObject({ kind: "ReplicaSet", name: jvm.replicaSet.metadata?.name, uid: jvm.replicaSet.metadata?.uid, controller: true });
    expect(jvm.replicaSet.metadata?.ownerReferences?.[0]).toMatchObject({ kind: "Deployment", name: "ledger", uid: jvm.deployment.metadata?.uid });
    expect(pod.metadata?.name).toMatch(new RegExp(`^${jvm.replicaSet.metadata?.name}-[a-z0-9]{5}$`));
    const cron = f.cronJob("batch", "report", { containers: [{ name: "report" }] });
    const job = cron.job("2024-11-04T10:00:00Z");
    expect(job.metadata?.name).toBe(`report-${Date.parse("2024-11-04T10:00:00Z") / 60_000}`);
    expect(job.metadata?.ownerReferences?.[0]).toMatchObject({ kind: "CronJob", name: "report", uid: cron.cronJob.metadata?.uid });
    expect(cron.pod(job).metadata?.ownerReferences?.[0]).toMatchObject({ kind: "Job", uid: job.metadata?.uid });
    expect(jvm.pod(0).metadata?.uid).toBe(jvm.pod(0).metadata?.uid); // deterministic
    expect(jvm.pod(1).metadata?.uid).not.toBe(jvm.pod(0).metadata?.uid);
  });

  it("derive the QoS class as the kubelet does and keep secret references as references", () => {
    expect(pod.status?.qosClass).toBe("Burstable");
    expect(f.pod("a", "b", { containers: [{ name: "c" }] }).status?.qosClass).toBe("BestEffort");
    const g = f.pod("a", "g", { containers: [{ name: "c", limits: { memory: "1Gi", cpu: "1" } }] });
    expect(g.status?.qosClass).toBe("Guaranteed");
    expect(pod.spec?.containers[0]?.env).toEqual([
      { name: "JAVA_TOOL_OPTIONS", value: "-Xmx1536m" },
      { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "password" } } },
    ]);
  });

  it("report OOMKilled in state or lastState, for regular, init and ephemeral containers", () => {
    const restarted = f.podOomKilled(pod, "app", { finishedAt: "2024-11-04T10:05:00Z" });
    const status = restarted.status?.containerStatuses?.[0];
    expect(status?.lastState?.terminated).toMatchObject({ reason: "OOMKilled", exitCode: 137, finishedAt: "2024-11-04T10:05:00Z", containerID: pod.status?.containerStatuses?.[0]?.containerID });
    expect(status?.state?.running).toBeDefined();
    expect(status?.restartCount).toBe(1);
    expect(status?.containerID).not.toBe(pod.status?.containerStatuses?.[0]?.containerID);

    const terminated = f.podOomKilled(pod, "app", { inLastState: false, exitCode: 1 });
    expect(terminated.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ reason: "OOMKilled", exitCode: 1 });
    expect(terminated.status?.containerStatuses?.[0]?.restartCount).toBe(0);

    const withInit = f.pod("a", "init", { nodeName: "n", containers: [{ name: "main" }], initContainers: [{ name: "migrate", limits: { memory: "64Mi" } }] });
    const initOom = f.podOomKilled(withInit, "migrate", { init: true, inLastState: false });
    expect(initOom.status?.initContainerStatuses?.[0]?.state?.terminated?.reason).toBe("OOMKilled");
    expect(initOom.status?.phase).toBe("Pending");

    const debug = f.podWithEphemeralContainer(pod, { name: "debugger", image: "busybox" });
    const ephemeralOom = f.podOomKilled(debug, "debugger", { ephemeral: true, inLastState: false });
    expect(ephemeralOom.status?.ephemeralContainerStatuses?.[0]?.state?.terminated?.reason).toBe("OOMKilled");
    expect(() => f.podOomKilled(pod, "nope")).toThrow(/no containerStatuses entry for container nope/);
  });

  it("a liveness kill is exit 137 with reason Error", () => {
    const killed = f.podLivenessKilled(pod, "app");
    expect(killed.status?.containerStatuses?.[0]?.lastState?.terminated).toMatchObject({ reason: "Error", exitCode: 137 });
    expect(f.livenessEvents(pod, "app").map((e) => `${e.type}/${e.reason}`)).toEqual(["Warning/Unhealthy", "Normal/Killing"]);
  });

  it("write the kubelet's eviction messages exactly, in the new and the old format", () => {
    const containers = [{ name: "app", usage: "1200Mi" }];
    expect(f.evictionMessage(pod, { containers, threshold: "100Mi", available: "91924Ki" })).toBe(
      "The node was low on resource: memory. Threshold quantity: 100Mi, available: 91924Ki. Container app was using 1200Mi, request is 512Mi, has larger consumption of memory. ",
    );
    expect(f.evictionMessage(pod, { containers, format: "old" })).toBe("The node was low on resource: memory. Container app was using 1200Mi, which exceeds its request of 512Mi. ");
    const evicted = f.podEvicted(pod, { containers });
    expect(evicted.status).toMatchObject({ phase: "Failed", reason: "Evicted" });
    expect(evicted.status?.conditions?.[0]).toMatchObject({ type: "DisruptionTarget", status: "True", reason: "TerminationByKubelet" });
    expect(evicted.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 137, reason: "Error" });
    const event = f.evictionEvent(pod, { resource: "ephemeral-storage", containers: [{ name: "app", usage: "6Gi" }] });
    expect(event).toMatchObject({ type: "Warning", reason: "Evicted", source: { component: "kubelet", host: "node-a" } });
    expect(event.metadata?.annotations).toEqual({ offending_containers: "app", offending_containers_usage: "6Gi", starved_resource: "ephemeral-storage" });
    expect(event.message).toMatch(/^The node was low on resource: ephemeral-storage\. /);
    const shutdown = f.podNodeShutdown(pod);
    expect(shutdown.status?.conditions?.[0]).toMatchObject({ type: "DisruptionTarget", reason: "TerminationByKubelet", message: "Pod was terminated in response to imminent node shutdown." });
  });

  it("write node OOM and memory pressure events and conditions as kubelet and node-problem-detector do", () => {
    const systemOOM = f.systemOOMEvent("node-c", { process: "fluent-bit", pid: 48211 });
    expect(systemOOM).toMatchObject({
      type: "Warning",
      reason: "SystemOOM",
      message: "System OOM encountered, victim process: fluent-bit, pid: 48211",
      involvedObject: { kind: "Node", name: "node-c", uid: "node-c" },
      metadata: { namespace: "default" },
    });
    expect(f.oomKillingEvent("node-c", { process: "java", pid: 99 }).message).toMatch(/^Killed process 99 \(java\) total-vm:\d+kB, anon-rss:\d+kB/);
    expect(f.evictionThresholdMetEvent("node-b")).toMatchObject({ type: "Warning", reason: "EvictionThresholdMet", message: "Attempting to reclaim memory" });
    expect(f.nodeHasInsufficientMemoryEvent("node-b")).toMatchObject({ type: "Normal", reason: "NodeHasInsufficientMemory" });

    const node = f.node("node-b", { memory: "8Gi", at: "2024-11-04T10:00:00Z" });
    const pressured = f.nodeMemoryPressure(node, true, { at: "2024-11-04T10:01:00Z" });
    const condition = pressured.status?.conditions?.find((c) => c.type === "MemoryPressure");
    expect(condition).toMatchObject({ status: "True", reason: "KubeletHasInsufficientMemory", lastTransitionTime: "2024-11-04T10:01:00Z" });
    expect(pressured.spec?.taints).toEqual([{ key: "node.kubernetes.io/memory-pressure", effect: "NoSchedule", timeAdded: "2024-11-04T10:01:00Z" }]);
    const still = f.nodeMemoryPressure(pressured, true, { at: "2024-11-04T10:02:00Z" });
    expect(still.status?.conditions?.find((c) => c.type === "MemoryPressure")?.lastTransitionTime).toBe("2024-11-04T10:01:00Z");
    const relieved = f.nodeMemoryPressure(pressured, false);
    expect(relieved.status?.conditions?.find((c) => c.type === "MemoryPressure")?.reason).toBe("KubeletHasSufficientMemory");
    expect(relieved.spec?.taints).toBeUndefined();
    expect(node.status?.capacity?.memory).toBe("8388608Ki");
    expect(node.status?.allocatable?.memory).toBe(`${8388608 - 1048576 - 102400}Ki`);
  });
});
