/** The simulator through the real @kubernetes/client-node over HTTP. */
import {
  type ApiException,
  AppsV1Api,
  BatchV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  makeInformer,
  Metrics,
  PatchStrategy,
  setHeaderOptions,
  VersionApi,
  Watch,
  type CoreV1Event,
  type KubernetesObject,
  type V1Pod,
} from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as f from "../../sandbox/k8s-sim/factories.ts";
import { startK8sSimulator, type K8sSimulator } from "../../sandbox/k8s-sim/server.ts";
import { waitFor } from "../support/wait.ts";

let sim: K8sSimulator;
const cleanups: (() => unknown)[] = [];

beforeEach(async () => {
  sim = await startK8sSimulator({ bookmarkIntervalMs: 50 });
});

afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
  await sim.stop();
});

const web = f.deployment("shop", "web", { replicas: 2, containers: [{ name: "app", requests: { memory: "256Mi" }, limits: { memory: "512Mi" } }] });

function podInformer(path = "/api/v1/pods", fieldSelector?: string) {
  const kc = sim.kubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  const seen: string[] = [];
  const errors: unknown[] = [];
  let connects = 0;
  const informer = makeInformer<V1Pod>(kc, path, () => core.listPodForAllNamespaces(fieldSelector ? { fieldSelector } : {}));
  informer.on("add", (p) => seen.push(`add ${p.metadata?.name}`));
  informer.on("update", (p) => seen.push(`update ${p.metadata?.name}`));
  informer.on("delete", (p) => seen.push(`delete ${p.metadata?.name}`));
  informer.on("error", (e) => errors.push(e));
  informer.on("connect", () => connects++);
  cleanups.push(() => informer.stop());
  return { informer, seen, errors, connects: () => connects };
}

describe("list and watch", () => {
  it("an informer sees ADDED, MODIFIED and DELETED", async () => {
    const p0 = web.pod(0, { nodeName: "node-a" });
    sim.apply(p0);
    const { informer, seen } = podInformer();
    await informer.start();
    expect(seen).toEqual([`add ${p0.metadata?.name}`]);
    const p1 = web.pod(1, { nodeName: "node-b" });
    sim.apply(p1);
    sim.apply(f.podOomKilled(p0, "app"));
    sim.remove("v1", "Pod", "shop", p1.metadata?.name ?? "");
    await waitFor("4 informer callbacks", () => seen.length === 4);
    expect(seen).toEqual([`add ${p0.metadata?.name}`, `add ${p1.metadata?.name}`, `update ${p0.metadata?.name}`, `delete ${p1.metadata?.name}`]);
    const cached = informer.get(p0.metadata?.name ?? "", "shop");
    expect(cached?.status?.containerStatuses?.[0]?.lastState?.terminated?.reason).toBe("OOMKilled");
  });

  it("lists carry the resourceVersion and page with limit/continue", async () => {
    for (let i = 0; i < 5; i++) sim.apply(web.pod(i, { nodeName: "node-a" }));
    const core = sim.kubeConfig().makeApiClient(CoreV1Api);
    const page1 = await core.listNamespacedPod({ namespace: "shop", limit: 2 });
    expect(page1.metadata?.resourceVersion).toBe(sim.resourceVersion());
    expect(page1.items).toHaveLength(2);
    expect(page1.metadata?._continue).toBeTruthy();
    const page2 = await core.listNamespacedPod({ namespace: "shop", limit: 10, _continue: page1.metadata?._continue });
    expect(page2.items).toHaveLength(3);
    expect(page2.metadata?._continue).toBeUndefined();
    sim.compact();
    const expired = await core.listNamespacedPod({ namespace: "shop", limit: 2, _continue: page1.metadata?._continue }).catch((e: ApiException<unknown>) => e);
    expect((expired as ApiException<unknown>).code).toBe(410);
  });

  it("filters by field and label selectors, also across MODIFIED (leaving the selector is DELETED)", async () => {
    const p0 = web.pod(0, { nodeName: "node-a" });
    sim.apply(p0);
    sim.apply(web.pod(1, { nodeName: "node-b" }));
    sim.apply(f.systemOOMEvent("node-a", { process: "java", pid: 7 }));
    sim.apply(f.evictionEvent(p0));
    const kc = sim.kubeConfig();
    const core = kc.makeApiClient(CoreV1Api);
    const onNodeA = await core.listPodForAllNamespaces({ fieldSelector: "spec.nodeName=node-a" });
    expect(onNodeA.items.map((p) => p.metadata?.name)).toEqual([p0.metadata?.name]);
    const nodeEvents = await core.listEventForAllNamespaces({ fieldSelector: "involvedObject.kind=Node" });
    expect(nodeEvents.items.map((e) => e.reason)).toEqual(["SystemOOM"]);
    const byName = await core.listNamespacedPod({ namespace: "shop", fieldSelector: `metadata.name=${p0.metadata?.name}` });
    expect(byName.items).toHaveLength(1);
    const byLabel = await core.listPodForAllNamespaces({ labelSelector: "app.kubernetes.io/name in (web,other),pod-template-hash" });
    expect(byLabel.items).toHaveLength(2);
    expect((await core.listPodForAllNamespaces({ labelSelector: "app.kubernetes.io/name!=web" })).items).toHaveLength(0);

    // makeInformer passes no field selector to its watch, so watch directly as a field-selecting client would.
    const types: string[] = [];
    const watch = await new Watch(kc).watch("/api/v1/pods", { fieldSelector: "spec.nodeName=node-a", resourceVersion: sim.resourceVersion() }, (type) => types.push(type), () => {});
    cleanups.push(() => watch.abort());
    sim.apply({ ...p0, metadata: { ...p0.metadata, labels: { moved: "yes" } } });
    sim.apply({ ...p0, spec: { ...p0.spec, containers: p0.spec?.containers ?? [], nodeName: "node-c" } });
    sim.apply(web.pod(1, { nodeName: "node-a" }));
    await waitFor("three watch events", () => types.length === 3);
    expect(types).toEqual(["MODIFIED", "DELETED", "ADDED"]);
  });

  it("sends bookmarks when asked and honours timeoutSeconds", async () => {
    sim.apply(web.pod(0, { nodeName: "node-a" }));
    const watch = new Watch(sim.kubeConfig());
    const types: string[] = [];
    let bookmarkRv = "";
    const done = new Promise<unknown>((resolve) => {
      watch.watch(
        "/api/v1/pods",
        { allowWatchBookmarks: true, resourceVersion: sim.resourceVersion(), timeoutSeconds: 1 },
        (type, obj: KubernetesObject) => {
          types.push(type);
          if (type === "BOOKMARK") bookmarkRv = obj.metadata?.resourceVersion ?? "";
        },
        resolve,
      );
    });
    await waitFor("a bookmark", () => types.includes("BOOKMARK"));
    expect(bookmarkRv).toBe(sim.resourceVersion());
    expect(await done).toBeNull(); // the server ended the stream cleanly at timeoutSeconds
    expect(types.every((t) => t === "BOOKMARK")).toBe(true);
  });

  it("a watch from a compacted resourceVersion gets a 410 ERROR event; the informer relists", async () => {
    const p0 = web.pod(0, { nodeName: "node-a" });
    sim.apply(p0);
    const oldRv = sim.resourceVersion();
    sim.apply(web.pod(1, { nodeName: "node-a" }));
    sim.compact();
    const errors: unknown[] = [];
    await new Promise<void>((resolve) => {
      new Watch(sim.kubeConfig()).watch("/api/v1/pods", { resourceVersion: oldRv }, (type, obj) => errors.push({ type, code: (obj as { code?: number }).code }), () => resolve());
    });
    expect(errors).toEqual([{ type: "ERROR", code: 410 }]);

    const { informer, seen } = podInformer();
    await informer.start();
    await waitFor("the watch to open", () => sim.openWatches() === 1);
    sim.compact();
    sim.clearRequests();
    sim.dropWatches();
    await waitFor("a relist and a new watch", () => sim.requests().some((r) => r.path === "/api/v1/pods") && sim.openWatches() === 1);
    const watches = sim.requests().filter((r) => r.path.includes("watch=true"));
    expect(watches).toHaveLength(2); // the one answered with 410, then the one after the relist
    const p2 = web.pod(2, { nodeName: "node-a" });
    sim.apply(p2);
    await waitFor("changes after the relist", () => seen.includes(`add ${p2.metadata?.name}`));
    expect(seen.filter((s) => s.startsWith("add"))).toHaveLength(3);
  });

  it("dropWatches makes the informer re-watch from its last resourceVersion without relisting", async () => {
    sim.apply(web.pod(0, { nodeName: "node-a" }));
    const { informer, seen, connects } = podInformer();
    await informer.start();
    await waitFor("the watch to open", () => sim.openWatches() === 1);
    sim.clearRequests();
    sim.dropWatches();
    await waitFor("a new watch", () => connects() >= 2 && sim.openWatches() === 1);
    const p1 = web.pod(1, { nodeName: "node-a" });
    sim.apply(p1);
    await waitFor("the change after reconnect", () => seen.includes(`add ${p1.metadata?.name}`));
    expect(sim.requests().map((r) => r.path)).toEqual([expect.stringMatching(/^\/api\/v1\/pods\?watch=true&resourceVersion=\d+$/)]);
  });

  it("an outage resets connections (or answers 503) until it is over", async () => {
    const core = sim.kubeConfig().makeApiClient(CoreV1Api);
    sim.setAvailable(false);
    await expect(core.listNode()).rejects.toThrow();
    sim.setAvailable(false, "503");
    await expect(core.listNode()).rejects.toMatchObject({ code: 503 });
    sim.setAvailable(true);
    sim.apply(f.node("node-a"));
    expect((await core.listNode()).items).toHaveLength(1);
  });
});

describe("objects", () => {
  it("leases: create, replace with the current resourceVersion, 409 on a stale one, 409 on a second create", async () => {
    const api = sim.kubeConfig().makeApiClient(CoordinationV1Api);
    const created = await api.createNamespacedLease({ namespace: "oomwatch", body: { metadata: { name: "forwarder" }, spec: { holderIdentity: "a", leaseDurationSeconds: 15 } } });
    const again = await api.createNamespacedLease({ namespace: "oomwatch", body: { metadata: { name: "forwarder" }, spec: {} } }).catch((e: ApiException<unknown>) => e);
    expect((again as ApiException<unknown>).code).toBe(409);
    const replaced = await api.replaceNamespacedLease({ name: "forwarder", namespace: "oomwatch", body: { ...created, spec: { holderIdentity: "b" } } });
    expect(replaced.spec?.holderIdentity).toBe("b");
    expect(Number(replaced.metadata?.resourceVersion)).toBeGreaterThan(Number(created.metadata?.resourceVersion));
    const stale = await api.replaceNamespacedLease({ name: "forwarder", namespace: "oomwatch", body: { ...created, spec: { holderIdentity: "c" } } }).catch((e: ApiException<unknown>) => e);
    expect((stale as ApiException<unknown>).code).toBe(409);
    expect((await api.readNamespacedLease({ name: "forwarder", namespace: "oomwatch" })).spec?.holderIdentity).toBe("b");
    const missing = await api.readNamespacedLease({ name: "nope", namespace: "oomwatch" }).catch((e: ApiException<unknown>) => e);
    expect((missing as ApiException<unknown>).code).toBe(404);
  });

  it("patches with merge and strategic-merge patches and deletes", async () => {
    sim.apply(f.node("node-a"));
    const core = sim.kubeConfig().makeApiClient(CoreV1Api);
    await core.patchNode({ name: "node-a", body: { metadata: { labels: { pool: "spot" } } } }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch));
    await core.patchNode(
      { name: "node-a", body: { status: { conditions: [{ type: "MemoryPressure", status: "True" }] } } },
      setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch),
    );
    const node = sim.get<ReturnType<typeof f.node>>("Node", undefined, "node-a");
    expect(node?.metadata?.labels?.pool).toBe("spot");
    expect(node?.status?.conditions?.map((c) => `${c.type}=${c.status}`)).toEqual(["MemoryPressure=True", "DiskPressure=False", "PIDPressure=False", "Ready=True"]);
    await core.deleteNode({ name: "node-a" });
    expect(sim.get("Node", undefined, "node-a")).toBeUndefined();
  });

  it("serves owner kinds through the apps and batch APIs", async () => {
    sim.apply(web.deployment);
    sim.apply(web.replicaSet);
    const cron = f.cronJob("batch", "report", { containers: [{ name: "r" }] });
    sim.apply(cron.cronJob);
    sim.apply(cron.job());
    const kc = sim.kubeConfig();
    const apps = kc.makeApiClient(AppsV1Api);
    const rs = await apps.readNamespacedReplicaSet({ name: web.replicaSet.metadata?.name ?? "", namespace: "shop" });
    expect(rs.metadata?.ownerReferences?.[0]).toMatchObject({ kind: "Deployment", name: "web" });
    const jobs = await kc.makeApiClient(BatchV1Api).listNamespacedJob({ namespace: "batch" });
    expect(jobs.items[0]?.metadata?.ownerReferences?.[0]).toMatchObject({ kind: "CronJob", name: "report" });
  });

  it("pod logs: previous container, tailLines, and the API server's errors", async () => {
    const pod = web.pod(0, { nodeName: "node-a" });
    sim.apply(pod);
    const name = pod.metadata?.name ?? "";
    sim.setPodLog("shop", name, "app", ["one", "two", "three"], true);
    const core = sim.kubeConfig().makeApiClient(CoreV1Api);
    expect(await core.readNamespacedPodLog({ name, namespace: "shop", container: "app", previous: true, tailLines: 2 })).toBe("two\nthree\n");
    const current = await core.readNamespacedPodLog({ name, namespace: "shop", container: "app" }).catch((e: ApiException<unknown>) => e);
    expect((current as ApiException<unknown>).code).toBe(400);
    const gone = await core.readNamespacedPodLog({ name: "missing", namespace: "shop", previous: true }).catch((e: ApiException<unknown>) => e);
    expect((gone as ApiException<unknown>).code).toBe(404);
  });

  it("metrics API: node and pod metrics via the client's Metrics helper and CustomObjectsApi", async () => {
    sim.setMetrics({ node: "node-a", usage: { memory: "6Gi", cpu: "1500m" } });
    sim.setMetrics({ namespace: "shop", pod: "web-1", containers: { app: { memory: "300Mi", cpu: "20m" } } });
    const kc = sim.kubeConfig();
    const metrics = new Metrics(kc);
    const nodes = await metrics.getNodeMetrics();
    expect(nodes.items.map((n) => [n.metadata.name, n.usage.memory])).toEqual([["node-a", "6Gi"]]);
    const pods = await metrics.getPodMetrics("shop");
    expect(pods.items[0]?.containers).toEqual([{ name: "app", usage: { memory: "300Mi", cpu: "20m" } }]);
    const custom = (await kc.makeApiClient(CustomObjectsApi).listClusterCustomObject({ group: "metrics.k8s.io", version: "v1beta1", plural: "pods" })) as { items: unknown[] };
    expect(custom.items).toHaveLength(1);
  });

  it("discovery, /version and an optional bearer token", async () => {
    const secured = await startK8sSimulator({ token: "s3cret" });
    cleanups.push(() => secured.stop());
    const version = await secured.kubeConfig().makeApiClient(VersionApi).getCode();
    expect(version.major).toBe("1");
    const api = await fetch(`${secured.url}/apis`, { headers: { authorization: "Bearer s3cret" } }).then((r) => r.json() as Promise<{ groups: { name: string }[] }>);
    expect(api.groups.map((g) => g.name)).toEqual(expect.arrayContaining(["apps", "batch", "coordination.k8s.io", "events.k8s.io", "metrics.k8s.io"]));
    const resources = await fetch(`${secured.url}/api/v1`, { headers: { authorization: "Bearer s3cret" } }).then((r) => r.json() as Promise<{ resources: { name: string }[] }>);
    expect(resources.resources.map((r) => r.name)).toEqual(expect.arrayContaining(["pods", "pods/log", "events", "nodes", "namespaces"]));
    expect((await fetch(`${secured.url}/api/v1/pods`)).status).toBe(401);
  });

  it("events in the core/v1 shape carry the kubelet's eviction annotations", async () => {
    const pod = web.pod(0, { nodeName: "node-a" });
    sim.apply(f.evictionEvent(pod, { containers: [{ name: "app", usage: "700Mi" }] }));
    const core = sim.kubeConfig().makeApiClient(CoreV1Api);
    const events: CoreV1Event[] = (await core.listNamespacedEvent({ namespace: "shop" })).items;
    expect(events[0]?.metadata?.annotations).toEqual({ offending_containers: "app", offending_containers_usage: "700Mi", starved_resource: "memory" });
    expect(events[0]?.involvedObject).toMatchObject({ kind: "Pod", uid: pod.metadata?.uid });
  });
});
