/** The Kubernetes RBAC for analyze (infra/k8s/analyze-reader.yaml): valid, read-only, bound to the group the stack maps. */
import { readFileSync } from "node:fs";
import { ClusterRole, ClusterRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { ANALYZE_KUBERNETES_GROUP } from "../../infra/oomwatch-stack.ts";

const docs = parseAllDocuments(readFileSync(new URL("../../infra/k8s/analyze-reader.yaml", import.meta.url), "utf8")).map((d) => d.toJS());

describe("analyze RBAC manifest", () => {
  it("validates against the Kubernetes schemas", () => {
    expect(docs.map((d) => d.kind)).toEqual(["ClusterRole", "ClusterRoleBinding"]);
    expect(() => new ClusterRole(docs[0]).validate()).not.toThrow();
    expect(() => new ClusterRoleBinding(docs[1]).validate()).not.toThrow();
  });

  it("grants only get/list, never secrets or logs, to the group the access entry uses", () => {
    const role = new ClusterRole(docs[0]);
    for (const rule of role.rules ?? []) {
      expect(rule.verbs.every((v) => v === "get" || v === "list")).toBe(true);
      expect(rule.resources).not.toContain("secrets");
      expect(rule.resources).not.toContain("pods/log");
      expect(rule.resources).not.toContain("*");
    }
    const binding = new ClusterRoleBinding(docs[1]);
    expect(binding.roleRef).toMatchObject({ kind: "ClusterRole", name: role.metadata?.name });
    expect(binding.subjects).toEqual([{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: ANALYZE_KUBERNETES_GROUP }]);
  });
});
