/**
 * RBAC as the API server enforces it, over the Roles, ClusterRoles and bindings the
 * project ships (forwarder/deploy/*.yaml, infra/k8s/analyze-reader.yaml): each request's
 * bearer token names an identity (a ServiceAccount, or a user in groups), and a request
 * is allowed only when a rule bound to that identity grants its verb on its API group,
 * resource (with subresource, e.g. `pods/log`), name and scope. Anything else gets the
 * API server's 403 Status. `system:masters` (the simulator's admin) may do anything.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { ApiError } from "./store.ts";

export interface Identity {
  user: string;
  groups: string[];
}

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  verbs: string[];
  nonResourceURLs?: string[];
}

interface RoleRef {
  kind: "Role" | "ClusterRole";
  name: string;
}

interface Subject {
  kind: "ServiceAccount" | "User" | "Group";
  name: string;
  namespace?: string;
}

interface Binding {
  name: string;
  /** Set for a RoleBinding: it grants only inside its namespace. */
  namespace?: string;
  roleRef: RoleRef;
  subjects: Subject[];
}

/** What a request asks for, as the authorizer sees it. */
export interface RequestAttributes {
  verb: string;
  apiGroup: string;
  resource: string;
  subresource?: string;
  name?: string;
  /** Absent: cluster scope (a cluster-scoped resource, or a namespaced one across all namespaces). */
  namespace?: string;
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The optional role for the forwarder's log capture (`pods/log` get), applied only with OOMWATCH_CAPTURE_LOGS=true. */
export const LOG_CAPTURE_RBAC_FILE = join("forwarder", "deploy", "clusterrole-logs.yaml");

/** The manifests the project ships that carry RBAC objects; listed when a policy is built, not at import (every oomwatch command imports this). */
function shippedRbacFiles(): string[] {
  return [
    ...readdirSync(join(ROOT, "forwarder", "deploy"))
      .filter((f) => f.endsWith(".yaml"))
      .map((f) => join("forwarder", "deploy", f)),
    join("infra", "k8s", "analyze-reader.yaml"),
  ];
}

export const ADMIN: Identity = { user: "oomwatch-sim-admin", groups: ["system:masters", "system:authenticated"] };

export function serviceAccount(namespace: string, name: string): Identity {
  return { user: `system:serviceaccount:${namespace}:${name}`, groups: ["system:serviceaccounts", `system:serviceaccounts:${namespace}`, "system:authenticated"] };
}

/** The forwarder's ServiceAccount (forwarder/deploy/serviceaccount.yaml). */
export const FORWARDER: Identity = serviceAccount("oomwatch", "oomwatch-forwarder");
/** The analyze function's role, mapped to the `oomwatch-analyze` group by its EKS access entry (infra/k8s/analyze-reader.yaml). */
export const ANALYZE: Identity = { user: "oomwatch-analyze", groups: ["oomwatch-analyze", "system:authenticated"] };

export class RbacPolicy {
  readonly roles = new Map<string, PolicyRule[]>();
  readonly clusterRoles = new Map<string, PolicyRule[]>();
  readonly bindings: Binding[] = [];

  /** Loads every Role, ClusterRole, RoleBinding and ClusterRoleBinding of the YAML documents. */
  static fromYaml(texts: string[]): RbacPolicy {
    const policy = new RbacPolicy();
    for (const text of texts) {
      for (const doc of parseAllDocuments(text)) {
        const o = doc.toJS() as { kind?: string; metadata?: { name?: string; namespace?: string }; rules?: PolicyRule[]; roleRef?: RoleRef; subjects?: Subject[] } | null;
        if (!o?.kind || !o.metadata?.name) continue;
        const { name, namespace } = o.metadata;
        if (o.kind === "ClusterRole") policy.clusterRoles.set(name, o.rules ?? []);
        else if (o.kind === "Role") policy.roles.set(`${namespace ?? "default"}/${name}`, o.rules ?? []);
        else if (o.kind === "ClusterRoleBinding" && o.roleRef) policy.bindings.push({ name, roleRef: o.roleRef, subjects: o.subjects ?? [] });
        else if (o.kind === "RoleBinding" && o.roleRef) policy.bindings.push({ name, namespace: namespace ?? "default", roleRef: o.roleRef, subjects: o.subjects ?? [] });
      }
    }
    return policy;
  }

  /**
   * The policy of the manifests the project ships; `logCapture: false` leaves out the optional
   * log role, as a cluster where the forwarder runs without OOMWATCH_CAPTURE_LOGS has it (default: all).
   */
  static shipped(opts: { logCapture?: boolean } = {}): RbacPolicy {
    const files = shippedRbacFiles().filter((f) => opts.logCapture !== false || f !== LOG_CAPTURE_RBAC_FILE);
    return RbacPolicy.fromYaml(files.map((f) => readFileSync(join(ROOT, f), "utf8")));
  }

  allows(identity: Identity, request: RequestAttributes): boolean {
    if (identity.groups.includes("system:masters")) return true;
    return this.bindings.some((b) => {
      if (b.namespace !== undefined && b.namespace !== request.namespace) return false;
      if (!b.subjects.some((s) => subjectMatches(s, identity))) return false;
      const rules = b.roleRef.kind === "ClusterRole" ? this.clusterRoles.get(b.roleRef.name) : this.roles.get(`${b.namespace}/${b.roleRef.name}`);
      return (rules ?? []).some((r) => ruleAllows(r, request));
    });
  }

  /** Throws the API server's 403 when the identity may not make the request. */
  authorize(identity: Identity, request: RequestAttributes): void {
    if (!this.allows(identity, request)) throw forbidden(identity, request);
  }
}

function subjectMatches(s: Subject, identity: Identity): boolean {
  if (s.kind === "ServiceAccount") return identity.user === `system:serviceaccount:${s.namespace ?? "default"}:${s.name}`;
  if (s.kind === "User") return identity.user === s.name;
  return identity.groups.includes(s.name);
}

const has = (list: string[] | undefined, value: string) => (list ?? []).some((v) => v === "*" || v === value);

function ruleAllows(rule: PolicyRule, request: RequestAttributes): boolean {
  if (!has(rule.verbs, request.verb) || !has(rule.apiGroups, request.apiGroup)) return false;
  const combined = request.subresource ? `${request.resource}/${request.subresource}` : request.resource;
  const resources = rule.resources ?? [];
  const resourceOk = resources.some((r) => r === "*" || r === combined || (request.subresource !== undefined && r === `*/${request.subresource}`));
  if (!resourceOk) return false;
  // resourceNames restrict to named requests: never a list, a watch of all, or a create.
  if (rule.resourceNames?.length) return request.name !== undefined && rule.resourceNames.includes(request.name);
  return true;
}

/** The Status the API server answers (message and details as kube-apiserver words them). */
export function forbidden(identity: Identity, request: RequestAttributes): ApiError {
  const combined = request.subresource ? `${request.resource}/${request.subresource}` : request.resource;
  const what = request.name ? `${request.resource}${request.apiGroup ? `.${request.apiGroup}` : ""} "${request.name}"` : `${request.resource}${request.apiGroup ? `.${request.apiGroup}` : ""}`;
  const scope = request.namespace !== undefined ? `in the namespace "${request.namespace}"` : "at the cluster scope";
  const message = `${what} is forbidden: User "${identity.user}" cannot ${request.verb} resource "${combined}" in API group "${request.apiGroup}" ${scope}`;
  return new ApiError(403, "Forbidden", message, { ...(request.name ? { name: request.name } : {}), ...(request.apiGroup ? { group: request.apiGroup } : {}), kind: request.resource });
}
