/**
 * forwarder/deploy: every manifest validates against the Kubernetes schemas
 * (kubernetes-models), with the security and HA properties the design asks for,
 * the image's Dockerfile copies what `npm run build` writes, and that bundle runs.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import type { IDeployment } from "kubernetes-models/apps/v1";
import type { IPodDisruptionBudget } from "kubernetes-models/policy/v1";
import type { IClusterRole, IPolicyRule, IRole } from "kubernetes-models/rbac.authorization.k8s.io/v1";
import type { IServiceAccount } from "kubernetes-models/v1";
import { buildForwarder } from "../../forwarder/build.ts";
import { DIST } from "../../scripts/build.ts";
import { parseBytes } from "../../shared/quantity.ts";
import { VERSION } from "../../shared/version.ts";

const ROOT = join(import.meta.dirname, "../..");
const DIR = join(ROOT, "forwarder/deploy");

/** A Dockerfile's COPY instructions from the build context (not from another stage). */
function copies(dockerfile: string): { from: string; to: string }[] {
  return [...dockerfile.matchAll(/^COPY (?!--from)(?:--\S+ )*(\S+) (\S+)$/gm)].map((m) => ({ from: m[1]!, to: m[2]! }));
}

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

  it("Deployment: the V8 heap limit is at most 75 % of the container's memory limit, and the request fits under it", () => {
    const c = find<IDeployment>("Deployment").spec!.template.spec!.containers[0]!;
    const nodeOptions = c.env?.find((e) => e.name === "NODE_OPTIONS")?.value ?? "";
    const heapMiB = Number(/--max-old-space-size=(\d+)/.exec(nodeOptions)?.[1]);
    const limit = parseBytes(String(c.resources?.limits?.memory));
    const request = parseBytes(String(c.resources?.requests?.memory));
    expect(heapMiB).toBeGreaterThan(0);
    expect(limit).toBeGreaterThan(0);
    expect(heapMiB * 2 ** 20).toBeLessThanOrEqual(limit! * 0.75);
    expect(request).toBeLessThanOrEqual(limit!);
  });

  it("Dockerfile: distroless Node.js 22, numeric non-root user, only the bundle, node runs it directly", () => {
    const text = readFileSync(join(DIR, "Dockerfile"), "utf8");
    expect(text.match(/^FROM .*/gm)).toEqual(["FROM gcr.io/distroless/nodejs22-debian12:nonroot"]);
    // The Deployment's runAsUser, numeric so runAsNonRoot can check it.
    const runAsUser = find<IDeployment>("Deployment").spec!.template.spec!.securityContext!.runAsUser;
    expect(text).toMatch(new RegExp(`^USER ${runAsUser}:${runAsUser}$`, "m"));
    expect(copies(text)).toEqual([{ from: `dist/${DIST.forwarder}`, to: "/app/forwarder.mjs" }]);
    // node's own flags (memory tuning) may come between node and the bundle.
    expect(text).toMatch(/^ENTRYPOINT \["\/nodejs\/bin\/node", ("--[\w-]+(=[\w.-]+)?", )*"\/app\/forwarder.mjs"\]$/m);
    expect(text).not.toMatch(/^RUN /m); // nothing executes at build time: the same file serves every architecture
  });

  it("the build context lets in exactly what the Dockerfile copies", () => {
    const ignore = readFileSync(join(ROOT, ".dockerignore"), "utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("#"));
    const sources = copies(readFileSync(join(DIR, "Dockerfile"), "utf8")).map((c) => c.from);
    expect(ignore).toEqual(["*", ...sources.map((f) => `!${f}`)]);
  });

  it("kustomize names the image in one place, at the package version", () => {
    const k = parseAllDocuments(readFileSync(join(DIR, "kustomization.yaml"), "utf8"))[0]!.toJS() as { images: { name: string; newTag: string }[] };
    const image = find<IDeployment>("Deployment").spec!.template.spec!.containers[0]!.image;
    expect(k.images).toEqual([{ name: image, newTag: VERSION }]);
    expect(image).not.toContain(":"); // the tag lives in kustomization.yaml only
  });

  it("the bundle the Dockerfile copies is what `npm run build` writes, and it starts and validates its configuration", async () => {
    const dist = mkdtempSync(join(tmpdir(), "fwd-dist-"));
    await buildForwarder(join(dist, DIST.forwarder));
    const bundle = join(dist, copies(readFileSync(join(DIR, "Dockerfile"), "utf8"))[0]!.from.replace(/^dist\//, ""));
    expect(existsSync(bundle)).toBe(true);
    // process.execPath: the Node the tests run on (22, as in the image).
    expect(execFileSync(process.execPath, [bundle, "--help"], { encoding: "utf8" })).toContain("--queue-url");
    expect(execFileSync(process.execPath, [bundle, "--version"], { encoding: "utf8" }).trim()).toBe(VERSION);
    let stderr = "";
    try {
      execFileSync(process.execPath, [bundle], { encoding: "utf8", env: { PATH: process.env.PATH }, stdio: "pipe" });
    } catch (err) {
      stderr = String((err as { stderr?: string }).stderr);
    }
    expect(stderr).toContain("OOMWATCH_CLUSTER");
    expect(stderr).not.toContain("Warning"); // e.g. Node's punycode deprecation (see BUNDLE_ALIAS)
  });
});
