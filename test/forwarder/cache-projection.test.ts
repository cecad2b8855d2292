import type { V1Node, V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { projectNode, projectPod } from "../../forwarder/cache-projection.ts";
import { detectFromNode, detectFromPod } from "../../forwarder/detect/index.ts";
import { nodeSnapshot, podSnapshot } from "../../shared/k8s/snapshot.ts";
import * as f from "../../sandbox/k8s-sim/factories.ts";

const AT = "2026-03-01T08:00:00Z";
const LATER = "2026-03-01T08:05:00Z";
const ctx = { workload: { kind: "Deployment", name: "api" }, owner: { kind: "ReplicaSet", name: "api-7d9" } };

/** Pods in every state detection and snapshots distinguish, as the API server would send them. */
function pods(): V1Pod[] {
  const objects = f.deployment("shop", "api", {
    at: AT,
    labels: { app: "api", team: "payments", "app.kubernetes.io/version": "1.2", "pod-template-hash": "x", unrelated: "y" },
    annotations: { "oomwatch.io/channel": "#payments", "prometheus.io/scrape": "true" },
    priorityClassName: "high",
    priority: 1000,
    containers: [
      {
        name: "app",
        requests: { memory: "256Mi", cpu: "100m" },
        limits: { memory: "512Mi" },
        env: {
          JAVA_TOOL_OPTIONS: "-XX:MaxRAMPercentage=75 -Djavax.net.ssl.trustStorePassword=secret",
          GOMEMLIMIT: "400MiB",
          DATABASE_PASSWORD: "hunter2",
          NODE_OPTIONS: { secretKeyRef: { name: "s", key: "k" } },
        },
        command: ["java", "-Xmx300m", "-jar", "app.jar"],
        args: ["--server.port=8080", "--max-old-space-size=256 --trace-gc"],
      },
      { name: "proxy", requests: { memory: "64Mi" }, limits: { memory: "128Mi" } },
    ],
    initContainers: [
      { name: "migrate", requests: { memory: "32Mi" } },
      { name: "log-shipper", sidecar: true, limits: { memory: "64Mi" } },
    ],
  });
  const running = objects.pod(0, { nodeName: "node-a", at: AT });
  const other = objects.pod(1, { nodeName: "node-a", at: AT });
  return [
    running,
    other,
    f.podOomKilled(running, "app", { finishedAt: LATER }),
    f.podOomKilled(running, "app", { finishedAt: LATER, inLastState: false, message: "killed" }),
    f.podOomKilled(running, "log-shipper", { finishedAt: LATER, init: true }),
    f.podEvicted(other, { resource: "memory", containers: [{ name: "app", usage: "600Mi" }], at: LATER }),
    f.podEvicted(other, { resource: "ephemeral-storage", at: LATER }),
    f.podNodeShutdown(other, { at: LATER }),
    f.podOomKilled(f.podWithEphemeralContainer(running, { name: "debugger", limits: { memory: "32Mi" } }, { at: AT }), "debugger", {
      finishedAt: LATER,
      ephemeral: true,
    }),
  ] as V1Pod[];
}

/** A deep copy, so a projection that mutated its input could not make both sides agree. */
const clone = <T>(o: T): T => structuredClone(o);

describe("informer cache projection", () => {
  it("gives the same detections and pod snapshots as the full pod", () => {
    const all = pods();
    expect(all.flatMap((p) => detectFromPod(p)).length).toBeGreaterThanOrEqual(6);
    for (const full of all) {
      const projected = projectPod(clone(full));
      expect(detectFromPod(projected)).toEqual(detectFromPod(full));
      expect(podSnapshot(projected, ctx)).toEqual(podSnapshot(full, ctx));
    }
  });

  it("gives the same node snapshot and pressure detection as the full objects", () => {
    const node = f.nodeMemoryPressure(f.node("node-a", { memory: "16Gi", taints: [{ key: "dedicated", effect: "NoSchedule" }], at: AT }), true, {
      at: LATER,
    }) as V1Node;
    const full = pods().slice(0, 2);
    const metrics = { nodeMemory: 10 * 2 ** 30, podMemory: new Map([[`shop/${full[0]!.metadata!.name}`, 300 * 2 ** 20]]) };
    const projectedNode = projectNode(clone(node));
    expect(detectFromNode(projectedNode)).toEqual(detectFromNode(node));
    expect(detectFromNode(node)).toHaveLength(1);
    expect(nodeSnapshot(projectedNode, full.map((p) => projectPod(clone(p))), metrics)).toEqual(nodeSnapshot(node, full, metrics));
  });

  it("keeps what the readers need and drops secrets, probes and unread fields", () => {
    const full = pods()[0]!;
    const projected = projectPod(clone(full));
    const app = projected.spec?.containers.find((c) => c.name === "app");
    expect(app?.env?.map((e) => e.name).sort()).toEqual(["GOMEMLIMIT", "JAVA_TOOL_OPTIONS", "NODE_OPTIONS"]);
    expect(JSON.stringify(projected)).not.toContain("hunter2");
    expect(JSON.stringify(projected)).not.toContain("trustStorePassword");
    expect(projected.metadata?.labels).toMatchObject({ app: "api", team: "payments", "app.kubernetes.io/version": "1.2" });
    expect(Object.keys(projected.metadata?.labels ?? {})).not.toContain("unrelated");
    // Evidence names a Deployment from the hash when its ReplicaSet is unreadable.
    expect(projected.metadata?.labels?.["pod-template-hash"]).toBe(full.metadata?.labels?.["pod-template-hash"]);
    expect(full.metadata?.labels?.["pod-template-hash"]).toBeTruthy();
    // The sampler keeps samples of running containers only.
    const running = (p: typeof full) => p.status?.containerStatuses?.filter((s) => s.state?.running).map((s) => s.name);
    expect(running(projected)).toEqual(running(full));
    expect(running(full)?.length).toBeGreaterThan(0);
    expect(projected.metadata?.annotations).toEqual({ "oomwatch.io/channel": "#payments" });
    expect(projected.spec).not.toHaveProperty("tolerations");
    expect(projected.status).not.toHaveProperty("podIP");
    // Unread and ~100 bytes per pod or container: the object's age, the running container's ID.
    expect(full.metadata?.creationTimestamp).toBeTruthy();
    expect(projected.metadata).not.toHaveProperty("creationTimestamp");
    expect(full.status?.containerStatuses?.[0]?.containerID).toBeTruthy();
    expect(projected.status?.containerStatuses?.[0]).not.toHaveProperty("containerID");
    expect(JSON.stringify(projected).length).toBeLessThan(JSON.stringify(full).length / 2);
  });

  it("keeps which containers run: the memory sampler samples only those", () => {
    const full = pods()[0]!;
    const runs = (p: V1Pod) => (p.status?.containerStatuses ?? []).filter((c) => c.state?.running).map((c) => c.name);
    expect(runs(full)).toContain("app");
    expect(runs(projectPod(clone(full)))).toEqual(runs(full));
  });

  it("is idempotent (the list and the watch may both project an object)", () => {
    for (const full of pods()) {
      const once = projectPod(clone(full));
      expect(projectPod(clone(once))).toEqual(once);
    }
  });

  it("shares one frozen copy of what the pods of a ReplicaSet have in common, and nothing that differs", () => {
    const [a, b] = pods().map((p) => projectPod(clone(p)));
    expect(a!.metadata?.name).not.toBe(b!.metadata?.name);
    expect(b!.spec?.containers).toBe(a!.spec?.containers);
    expect(b!.spec?.initContainers).toBe(a!.spec?.initContainers);
    expect(b!.metadata?.labels).toBe(a!.metadata?.labels);
    expect(b!.metadata?.ownerReferences).toBe(a!.metadata?.ownerReferences);
    expect(b!.status?.containerStatuses?.[0]?.state).toBe(a!.status?.containerStatuses?.[0]?.state);
    expect(b!.metadata).not.toBe(a!.metadata);
    expect(b!.status?.containerStatuses).not.toBe(a!.status?.containerStatuses);
    // A reader writing into the shared part would change every pod: it throws instead.
    expect(Object.isFrozen(a!.spec?.containers[0]?.resources?.limits)).toBe(true);
    expect(() => {
      (a!.metadata!.labels as Record<string, string>).team = "other";
    }).toThrow(TypeError);
  });
});
