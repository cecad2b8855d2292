/**
 * The simulator enforces the RBAC manifests the project ships, as kube-apiserver would:
 * the forwarder's ServiceAccount and analyze's group get exactly what their (Cluster)Roles
 * grant, with verbs, API groups, subresources, resourceNames and scope, and a 403 Status
 * for anything else. With one rule taken out of the forwarder's ClusterRole, the forwarder
 * fails the way it would in a real cluster, and says so in its log and /readyz.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as f from "../../sandbox/k8s-sim/factories.ts";
import { RbacPolicy, serviceAccount } from "../../sandbox/k8s-sim/rbac.ts";
import { ANALYZE, FORWARDER, type Identity, type K8sSimulator, startK8sSimulator } from "../../sandbox/k8s-sim/server.ts";
import { collectingLogger, createHarness, type Harness } from "../forwarder/support.ts";
import { waitFor } from "../support/wait.ts";

let sim: K8sSimulator;
beforeAll(async () => {
  sim = await startK8sSimulator();
  sim.apply(f.namespace("shop"));
  sim.apply(f.node("node-a"));
  sim.apply(f.pod("shop", "web-0", { nodeName: "node-a", containers: [{ name: "app" }] }));
  sim.setPodLog("shop", "web-0", "app", ["hello"]);
});
afterAll(async () => {
  await sim?.stop();
});

/** A raw request as `as`, answering the status and the parsed body. */
async function call(as: Identity, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const token = sim.kubeConfig(as).getCurrentUser()?.token;
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // pod logs are plain text
  }
  return { status: res.status, body: parsed };
}

const status = async (as: Identity, method: string, path: string, body?: unknown) => (await call(as, method, path, body)).status;

describe("RBAC of the shipped manifests", () => {
  it("answers what is not granted with kube-apiserver's 403 Status", async () => {
    const res = await call(FORWARDER, "GET", "/api/v1/configmaps");
    expect(res).toEqual({
      status: 403,
      body: {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: 'configmaps is forbidden: User "system:serviceaccount:oomwatch:oomwatch-forwarder" cannot list resource "configmaps" in API group "" at the cluster scope',
        reason: "Forbidden",
        details: { kind: "configmaps" },
        code: 403,
      },
    });
    const named = await call(ANALYZE, "GET", "/api/v1/namespaces/shop/pods/web-0/log");
    expect(named.body).toMatchObject({
      message: 'pods "web-0" is forbidden: User "oomwatch-analyze" cannot get resource "pods/log" in API group "" in the namespace "shop"',
      details: { name: "web-0", kind: "pods" },
    });
  });

  it("the forwarder: list/watch of what it detects on, owners, the metrics API, pod logs (clusterrole-logs.yaml); no writes", async () => {
    expect(await status(FORWARDER, "GET", "/api/v1/pods")).toBe(200);
    expect(await status(FORWARDER, "GET", "/api/v1/events?watch=true&timeoutSeconds=1")).toBe(200);
    expect(await status(FORWARDER, "GET", "/api/v1/nodes")).toBe(200);
    expect(await status(FORWARDER, "GET", "/apis/apps/v1/namespaces/shop/replicasets/x")).toBe(404);
    expect(await status(FORWARDER, "GET", "/apis/apps/v1/namespaces/shop/deployments/x")).toBe(403);
    expect(await status(FORWARDER, "GET", "/apis/metrics.k8s.io/v1beta1/pods")).toBe(200);
    expect(await status(FORWARDER, "GET", "/apis/metrics.k8s.io/v1beta1/nodes")).toBe(200);
    expect(await status(FORWARDER, "GET", "/apis/metrics.k8s.io/v1beta1/nodes?watch=true")).toBe(403);
    expect(await status(FORWARDER, "GET", "/api/v1/namespaces/shop/pods/web-0/log")).toBe(200);
    expect(await status(FORWARDER, "DELETE", "/api/v1/namespaces/shop/pods/web-0")).toBe(403);
  });

  it("the forwarder's Lease: create in its namespace, get/update only its own by name (resourceNames)", async () => {
    const lease = { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "oomwatch-forwarder", namespace: "oomwatch" }, spec: {} };
    expect(await status(FORWARDER, "POST", "/apis/coordination.k8s.io/v1/namespaces/oomwatch/leases", lease)).toBe(201);
    expect(await status(FORWARDER, "GET", "/apis/coordination.k8s.io/v1/namespaces/oomwatch/leases/oomwatch-forwarder")).toBe(200);
    expect(await status(FORWARDER, "GET", "/apis/coordination.k8s.io/v1/namespaces/oomwatch/leases/someone-else")).toBe(403);
    expect(await status(FORWARDER, "GET", "/apis/coordination.k8s.io/v1/namespaces/oomwatch/leases")).toBe(403);
    expect(await status(FORWARDER, "DELETE", "/apis/coordination.k8s.io/v1/namespaces/oomwatch/leases/oomwatch-forwarder")).toBe(403);
    // A Role grants in its own namespace only.
    expect(await status(FORWARDER, "POST", "/apis/coordination.k8s.io/v1/namespaces/shop/leases", { ...lease, metadata: { ...lease.metadata, namespace: "shop" } })).toBe(403);
  });

  it("analyze: get/list of what it enriches from, no watch, no pod logs; a stranger gets nothing", async () => {
    expect(await status(ANALYZE, "GET", "/api/v1/namespaces/shop/pods/web-0")).toBe(200);
    expect(await status(ANALYZE, "GET", "/api/v1/pods")).toBe(200);
    expect(await status(ANALYZE, "GET", "/api/v1/pods?watch=1")).toBe(403);
    expect(await status(ANALYZE, "GET", "/apis/apps/v1/namespaces/shop/deployments")).toBe(200);
    expect(await status(ANALYZE, "GET", "/apis/batch/v1/namespaces/shop/cronjobs")).toBe(200);
    expect(await status(ANALYZE, "GET", "/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods")).toBe(200);
    expect(await status(ANALYZE, "GET", "/api/v1/namespaces/shop/pods/web-0/log")).toBe(403);
    expect(await status(serviceAccount("shop", "default"), "GET", "/api/v1/pods")).toBe(403);
    expect((await fetch(`${sim.url}/api/v1/pods`)).status).toBe(401);
  });
});

describe("the optional log role", () => {
  it("without log capture the forwarder may not read pod logs; everything else stays (the sandbox's least privilege)", () => {
    const readLog = { verb: "get", apiGroup: "", resource: "pods", subresource: "log", name: "web-0", namespace: "shop" };
    const listPods = { verb: "list", apiGroup: "", resource: "pods" };
    expect(RbacPolicy.shipped({ logCapture: true }).allows(FORWARDER, readLog)).toBe(true);
    expect(RbacPolicy.shipped({ logCapture: false }).allows(FORWARDER, readLog)).toBe(false);
    expect(RbacPolicy.shipped({ logCapture: false }).allows(FORWARDER, listPods)).toBe(true);
  });
});

describe("RBAC semantics", () => {
  const policy = RbacPolicy.fromYaml([
    `kind: ClusterRole
metadata: {name: everything-read}
rules:
  - {apiGroups: ["*"], resources: ["*"], verbs: [get]}
  - {apiGroups: [""], resources: ["*/log"], verbs: [list]}
---
kind: RoleBinding
metadata: {name: b, namespace: shop}
roleRef: {kind: ClusterRole, name: everything-read}
subjects: [{kind: User, name: alice}]`,
  ]);
  const alice = { user: "alice", groups: [] };

  it("wildcards, */subresource, and a RoleBinding of a ClusterRole limited to its namespace", () => {
    expect(policy.allows(alice, { verb: "get", apiGroup: "apps", resource: "deployments", name: "x", namespace: "shop" })).toBe(true);
    expect(policy.allows(alice, { verb: "get", apiGroup: "", resource: "pods", subresource: "log", name: "x", namespace: "shop" })).toBe(true);
    expect(policy.allows(alice, { verb: "list", apiGroup: "", resource: "pods", subresource: "log", namespace: "shop" })).toBe(true);
    expect(policy.allows(alice, { verb: "list", apiGroup: "", resource: "pods", namespace: "shop" })).toBe(false);
    expect(policy.allows(alice, { verb: "get", apiGroup: "", resource: "pods", name: "x", namespace: "other" })).toBe(false);
    expect(policy.allows(alice, { verb: "get", apiGroup: "", resource: "nodes", name: "n" })).toBe(false);
    expect(policy.allows({ user: "bob", groups: [] }, { verb: "get", apiGroup: "", resource: "pods", name: "x", namespace: "shop" })).toBe(false);
  });
});

describe("a forwarder whose ClusterRole lost a rule", () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it("cannot list pods, logs why, and /readyz says not ready: forbidden", async () => {
    h = await createHarness("rbac-denied");
    const rules = h.sim.rbac.clusterRoles.get("oomwatch-forwarder");
    const podsRule = rules?.findIndex((r) => r.resources?.includes("pods") && r.apiGroups?.includes(""));
    expect(podsRule).toBeGreaterThanOrEqual(0);
    rules!.splice(podsRule!, 1);
    const logger = collectingLogger();
    const fw = await h.start({ logger, metricsPort: 0, leaderElection: false });
    const readyz = async () => {
      const res = await fetch(`http://127.0.0.1:${fw.metricsPort}/readyz`);
      return { status: res.status, text: await res.text() };
    };
    await waitFor("a forbidden error logged", () => logger.lines.some((l) => l.level === "error" && String(l.extra?.reason).startsWith("forbidden: cannot list pods")), 10_000);
    const logged = logger.lines.find((l) => l.level === "error" && l.extra?.resource === "pods");
    expect(logged?.extra?.reason).toBe(
      'forbidden: cannot list pods (pods is forbidden: User "system:serviceaccount:oomwatch:oomwatch-forwarder" cannot list resource "pods" in API group "" at the cluster scope)',
    );
    const probe = await readyz();
    expect(probe.status).toBe(503);
    expect(probe.text).toMatch(/^not ok: forbidden: cannot list pods \(pods is forbidden: User "system:serviceaccount:oomwatch:oomwatch-forwarder"/);
    expect(fw.synced()).toBe(false);
  });

  it("with the shipped rules the same forwarder is ready", async () => {
    h = await createHarness("rbac-granted");
    const fw = await h.start({ metricsPort: 0, leaderElection: false });
    await waitFor("synced", () => fw.synced(), 10_000);
    const res = await fetch(`http://127.0.0.1:${fw.metricsPort}/readyz`);
    expect([res.status, await res.text()]).toEqual([200, "ok\n"]);
  });
});
