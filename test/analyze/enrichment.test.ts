import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enrich } from "../../functions/analyze/enrich.ts";
import { createKubernetesAccess, eksToken } from "../../shared/clients/kubernetes.ts";
import { parseKubeconfig } from "../../shared/clients/kubeconfig.ts";
import { ANALYZE, factories, startK8sSimulator, type K8sSimulator } from "../../sandbox/k8s-sim/index.ts";
import { createTestAws } from "../support/aws.ts";
import { containerOom, Gi, Mi } from "../domain/fixtures.ts";
import { groupOf, incidentIdFor } from "../../shared/domain/grouping.ts";
import { pipeline } from "./pipeline.ts";

const NODE = "ip-10-0-77-1.eu-west-1.compute.internal";

describe("live enrichment against the Kubernetes simulator", () => {
  let sim: K8sSimulator;
  let livePod: ReturnType<typeof factories.pod>;

  beforeAll(async () => {
    sim = await startK8sSimulator();
    sim.apply(factories.node(NODE, { memory: "16Gi", allocatableMemory: "15Gi" }));
    const base = factories.pod("shop", "checkout-live-1", {
      nodeName: NODE,
      priority: 0,
      containers: [
        {
          name: "api",
          image: "eclipse-temurin:21-jre",
          requests: { memory: "512Mi", cpu: "250m" },
          limits: { memory: "1Gi", cpu: "1" },
          env: { JAVA_TOOL_OPTIONS: "-Xmx900m", DB_PASSWORD: { secretKeyRef: { name: "db", key: "password" } } },
        },
      ],
    });
    livePod = factories.podOomKilled(base, "api", { restartCount: 7 });
    sim.apply(livePod);
    // Neighbours whose limits overcommit the node: 3 x 6Gi > 15Gi allocatable.
    for (const i of [1, 2, 3]) {
      sim.apply(
        factories.pod("batch", `cruncher-${i}`, {
          nodeName: NODE,
          priority: 1000,
          containers: [{ name: "main", requests: { memory: "2Gi" }, limits: { memory: "6Gi" } }],
        }),
      );
    }
    sim.setMetrics({ namespace: "shop", pod: "checkout-live-1", containers: { api: { memory: "700Mi", cpu: "100m" } } });
    sim.setMetrics({ node: NODE, usage: { memory: "13Gi", cpu: "2" } });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  /** analyze's credentials as the simulator writes them into its kubeconfig file (sandbox/pipeline.ts). */
  const simAccess = () => parseKubeconfig(sim.kubeConfig(ANALYZE).exportConfig(), "simulator");

  /** The event as the forwarder would have sent it for the simulator's pod (restart count 6 then). */
  const occurrence = () =>
    containerOom({
      pod: { name: "checkout-live-1", uid: livePod.metadata!.uid!, nodeName: NODE, workload: { kind: "Pod", name: "checkout-live-1" } },
      container: { memorySettings: { JAVA_TOOL_OPTIONS: "-Xmx900m" } },
      restartCount: 6,
    });

  it("reads the live pod, node, neighbours and metrics over HTTP", async () => {
    const k8s = createKubernetesAccess(simAccess, 2000);
    const o = occurrence();
    const e = await enrich(k8s, o, o.snapshot, { cluster: "prod-eu", container: "api" });
    expect(e.enrichment).toBe("live");
    expect(e.enrichmentError).toBeUndefined();
    const api = e.pod!.containers.find((c) => c.name === "api")!;
    expect(api.restartCount).toBe(7);
    expect(api.limits.memory).toBe(Gi);
    expect(api.memorySettings).toMatchObject({ JAVA_TOOL_OPTIONS: "-Xmx900m" });
    expect(JSON.stringify(api.memorySettings)).not.toMatch(/password/i);
    expect(e.pod!.workload).toEqual({ kind: "Pod", name: "checkout-live-1" });
    expect(e.node!.allocatable.memory).toBe(15 * Gi);
    expect(e.node!.podLimits.memory).toBe(18 * Gi + Gi);
    expect(e.node!.usage?.memory).toBe(13 * Gi);
    expect(e.containerUsage).toBe(700 * Mi);
  });

  it("stores a live incident whose diagnosis uses the live node (overcommitted)", async () => {
    const aws = await createTestAws("analyze-live");
    const p = pipeline(aws, { k8s: createKubernetesAccess(simAccess, 2000) });
    const o = occurrence();
    await p.run([o]);
    const inc = (await p.incident(incidentIdFor(groupOf(o).key, o.key)))!;
    expect(inc.enrichment).toBe("live");
    expect(inc.diagnosis.causes).toEqual(expect.arrayContaining(["JVM_HEAP_TOO_LARGE", "NODE_OVERCOMMITTED"]));
    expect(inc.facts).toMatchObject({ restarts: 7, usageBytes: 700 * Mi, limitBytes: Gi });
  });

  it("falls back to the event-time snapshot when the API is down, and says so", async () => {
    sim.setAvailable(false);
    try {
      const aws = await createTestAws("analyze-down");
      const p = pipeline(aws, { k8s: createKubernetesAccess(simAccess, 500) });
      const o = occurrence();
      const notes = await p.run([o]);
      const inc = (await p.incident(incidentIdFor(groupOf(o).key, o.key)))!;
      expect(inc.enrichment).toBe("event-time-only");
      expect(inc.enrichmentError).toMatch(/Kubernetes API unreachable/);
      expect(inc.facts.restarts).toBe(6);
      expect(inc.diagnosis.causes).toContain("JVM_HEAP_TOO_LARGE");
      expect(notes.map((n) => n.change)).toEqual(["new"]);
    } finally {
      sim.setAvailable(true);
    }
  });

  it("does not use another cluster's API for an occurrence", async () => {
    const k8s = createKubernetesAccess(simAccess, 2000);
    const o = occurrence();
    const e = await enrich(k8s, o, o.snapshot, { cluster: "staging", container: "api" });
    expect(e.enrichment).toBe("event-time-only");
    expect(e.enrichmentError).toMatch(/no access to cluster prod-eu/);
  });
});

describe("EKS IAM token", () => {
  it("is k8s-aws-v1. + base64url of a presigned STS GetCallerIdentity URL bound to the cluster", async () => {
    const token = await eksToken(
      { clusterName: "prod-eu", endpoint: "https://x.eks.amazonaws.com", region: "eu-west-1", credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" } },
      new Date("2026-01-01T00:00:00Z"),
    );
    expect(token.startsWith("k8s-aws-v1.")).toBe(true);
    const body = token.slice("k8s-aws-v1.".length);
    expect(body).not.toMatch(/[=+/]/);
    const url = new URL(Buffer.from(body, "base64url").toString());
    expect(url.origin).toBe("https://sts.eu-west-1.amazonaws.com");
    expect(url.searchParams.get("Action")).toBe("GetCallerIdentity");
    expect(url.searchParams.get("Version")).toBe("2011-06-15");
    expect(url.searchParams.get("X-Amz-Expires")).toBe("60");
    expect(url.searchParams.get("X-Amz-Date")).toBe("20260101T000000Z");
    expect(url.searchParams.get("X-Amz-Credential")).toBe("AKIDEXAMPLE/20260101/eu-west-1/sts/aws4_request");
    expect(url.searchParams.get("X-Amz-SignedHeaders")).toBe("host;x-k8s-aws-id");
    expect(url.searchParams.get("X-Amz-Signature")).toMatch(/^[0-9a-f]{64}$/);
  });
});
