/**
 * forwarder/deploy: every manifest validates against the Kubernetes schemas
 * (kubernetes-models), with the security and HA properties the design asks for,
 * and the image's bundle step produces a runnable forwarder.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import type { IDeployment } from "kubernetes-models/apps/v1";
import type { IPodDisruptionBudget } from "kubernetes-models/policy/v1";
import type { IClusterRole, IPolicyRule, IRole } from "kubernetes-models/rbac.authorization.k8s.io/v1";
import type { IServiceAccount } from "kubernetes-models/v1";
import { buildForwarder } from "../../forwarder/build.ts";

const DIR = join(import.meta.dirname, "../../forwarder/deploy");

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [k: string]: unknown;
}

function load(file: string): Manifest[] {
  return parseAllDocuments(readFileSync(join(DIR, file), "utf8"))
    .map((d) => d.toJS() as Manifest)
    .filter(Boolean);
}

const files = readdirSync(DIR).filter((f) => f.endsWith(".yaml") && f !== "kustomization.yaml");
const all = files.flatMap((f) => load(f).map((m) => ({ file: f, m })));
function find<T>(kind: string, name?: string): T {
  const hit = all.find(({ m }) => m.kind === kind && (!name || m.metadata.name === name));
  if (!hit) throw new Error(`no ${kind} ${name ?? ""}`);
  return hit.m as unknown as T;
}

describe("forwarder deployment files", () => {
  it.each(all.map(({ file, m }) => [`${file} ${m.kind}/${m.metadata.name}`, m] as const))("%s validates", async (_, m) => {
    const module = await import(`kubernetes-models/${m.apiVersion}`);
    const Model = module[m.kind];
    expect(Model, `${m.apiVersion} ${m.kind}`).toBeDefined();
    expect(() => new Model(m).validate()).not.toThrow();
  });

  it("has the kinds the design asks for", () => {
    const kinds = new Set(all.map(({ m }) => m.kind));
    for (const k of ["Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "Deployment", "PodDisruptionBudget"]) {
      expect(kinds.has(k), k).toBe(true);
    }
  });

  it("ClusterRole is read-only, without pods/log; pods/log lives in its own optional role", () => {
    const rules: IPolicyRule[] = find<IClusterRole>("ClusterRole", "oomwatch-forwarder").rules ?? [];
    const verbs = new Set(rules.flatMap((r) => r.verbs));
    expect([...verbs].every((v) => ["get", "list", "watch"].includes(v))).toBe(true);
    const resources = rules.flatMap((r) => r.resources ?? []);
    expect(resources).toEqual(expect.arrayContaining(["pods", "events", "nodes", "namespaces", "replicasets", "jobs"]));
    expect(resources).not.toContain("pods/log");
    const logs = find<IClusterRole>("ClusterRole", "oomwatch-forwarder-logs");
    expect(logs.rules).toEqual([{ apiGroups: [""], resources: ["pods/log"], verbs: ["get"] }]);
    const kustomization = readFileSync(join(DIR, "kustomization.yaml"), "utf8");
    expect(kustomization).not.toMatch(/^\s*-\s*clusterrole-logs\.yaml/m);
    for (const f of files.filter((x) => x !== "clusterrole-logs.yaml")) expect(kustomization).toContain(`- ${f}`);
  });

  it("the Lease role covers only leases", () => {
    const role = find<IRole>("Role", "oomwatch-forwarder-lease");
    expect(role.rules?.length).toBeGreaterThan(0);
    for (const r of role.rules ?? []) expect([r.apiGroups, r.resources]).toEqual([["coordination.k8s.io"], ["leases"]]);
  });

  it("Deployment: 2 replicas, limits, non-root, read-only root, no capabilities, seccomp, probes", () => {
    const d = find<IDeployment>("Deployment");
    expect(d.spec?.replicas).toBe(2);
    const pod = d.spec!.template.spec!;
    const c = pod.containers[0]!;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
    expect(c.resources?.requests?.memory).toBeDefined();
    expect(c.resources?.limits?.memory).toBeDefined();
    expect(c.livenessProbe?.httpGet?.path).toBe("/healthz");
    expect(c.readinessProbe?.httpGet?.path).toBe("/readyz");
    expect(find<IServiceAccount>("ServiceAccount").metadata?.annotations?.["eks.amazonaws.com/role-arn"]).toMatch(/^arn:aws:iam::/);
    expect(find<IPodDisruptionBudget>("PodDisruptionBudget").spec?.minAvailable).toBe(1);
  });

  it("Dockerfile: multi-stage on node:20-slim, runs as non-root", () => {
    const text = readFileSync(join(DIR, "Dockerfile"), "utf8");
    expect(text.match(/^FROM node:20-slim/gm)).toHaveLength(2);
    expect(text).toMatch(/^USER 1000:1000$/m);
    expect(text).toContain("forwarder/build.ts");
  });

  it("the image's bundle runs and validates its configuration", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "fwd-bundle-")), "forwarder.mjs");
    await buildForwarder(out);
    expect(execFileSync("node", [out, "--help"], { encoding: "utf8" })).toContain("--queue-url");
    let stderr = "";
    try {
      execFileSync("node", [out], { encoding: "utf8", env: { PATH: process.env.PATH }, stdio: "pipe" });
    } catch (err) {
      stderr = String((err as { stderr?: string }).stderr);
    }
    expect(stderr).toContain("OOMWATCH_CLUSTER");
  });
});
