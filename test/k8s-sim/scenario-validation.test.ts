/**
 * Scenario file validation (issue #15, item 5): memory and CPU are Kubernetes quantities with a
 * fix for a wrong unit, messages read as sentences, and every problem is listed at its position.
 */
import { describe, expect, it } from "vitest";
import { parseScenario } from "../../sandbox/k8s-sim/scenario.ts";
import { SourceProblems } from "../../sandbox/k8s-sim/source-error.ts";
import { parseQuantity, quantityProblem } from "../../shared/quantity.ts";
import { scenarioError } from "../support/scenario-error.ts";

/** A valid scenario whose first container's limits, node capacity and a metrics step take the values given. */
function scenario(q: { limitMemory?: string; limitCpu?: string; nodeMemory?: string; metricsMemory?: string } = {}): string {
  return `name: q
nodes:
  - name: node-a
    memory: ${q.nodeMemory ?? "16Gi"}
deployments:
  - name: web
    namespace: shop
    containers:
      - name: app
        limits: { memory: ${q.limitMemory ?? "512Mi"}, cpu: ${q.limitCpu ?? "500m"} }
steps:
  - at: 1s
    metrics: { pod: shop/web, memory: ${q.metricsMemory ?? "300Mi"} }
`;
}

const errorOf = (text: string, file = "bad.yaml") => scenarioError(text, file);

describe("quantities", () => {
  it("accepts the Kubernetes grammar: binary and decimal suffixes, plain numbers, millicores, exponents", () => {
    for (const memory of ["256Mi", "1G", "1e3", "1E3", "1.5Gi", "134217728", "64k"]) expect(quantityProblem(memory, "memory"), memory).toBeUndefined();
    for (const cpu of ["0.5", "500m", "2", ".5", "1e3", "250m"]) expect(quantityProblem(cpu, "cpu"), cpu).toBeUndefined();
    expect(() => parseScenario(scenario({ limitMemory: "256Mi", limitCpu: "0.5", nodeMemory: "1e10", metricsMemory: "1e3" }), "ok.yaml")).not.toThrow();
    // A YAML number is taken as written.
    expect(parseScenario(scenario({ limitCpu: "2" }), "ok.yaml").deployments[0]?.containers[0]?.limits?.cpu).toBe("2");
  });

  it("parses what it accepts: exponent, fractions without a leading digit, and E alone as exa", () => {
    expect(parseQuantity("1e3")).toBe(1000);
    expect(parseQuantity("1E")).toBe(1e18);
    expect(parseQuantity(".5")).toBe(0.5);
    expect(parseQuantity("1K")).toBeUndefined(); // kilo is k
  });

  it("256MB is an error that suggests 256M and 256Mi, at the value's position", () => {
    const e = errorOf(scenario({ limitMemory: "256MB" }));
    expect(e.message).toBe(
      'bad.yaml:10:27: deployments[0].containers[0].limits.memory: memory "256MB" is not a Kubernetes quantity: use 256M (10^6 bytes) or 256Mi (2^20 bytes)',
    );
  });

  it("suggests the intended unit for other common mistakes", () => {
    expect(quantityProblem("1GB", "memory")).toBe("is not a Kubernetes quantity: use 1G (10^9 bytes) or 1Gi (2^30 bytes)");
    expect(quantityProblem("512mb", "memory")).toBe("is not a Kubernetes quantity: use 512M (10^6 bytes) or 512Mi (2^20 bytes)");
    expect(quantityProblem("512 Mi", "memory")).toBe("is not a Kubernetes quantity: use 512Mi (no spaces)");
    expect(quantityProblem("2GiB", "memory")).toBe("is not a Kubernetes quantity: use 2Gi (2^30 bytes)");
    expect(quantityProblem("10KB", "memory")).toBe("is not a Kubernetes quantity: use 10k (10^3 bytes) or 10Ki (2^10 bytes)");
    expect(quantityProblem("100 bytes", "memory")).toBe("is not a Kubernetes quantity: use 100 (a number of bytes needs no unit)");
    expect(quantityProblem("lots", "memory")).toMatch(/^is not a Kubernetes quantity: use a number of bytes with an optional suffix, e\.g\. 256Mi/);
    expect(quantityProblem("2 cores", "cpu")).toBe("is not a Kubernetes quantity: use 2 (a number of CPUs needs no unit)");
    expect(quantityProblem("500mc", "cpu")).toBe("is not a Kubernetes quantity: use 500m (millicores)");
    expect(quantityProblem("fast", "cpu")).toBe("is not a Kubernetes quantity: use a number of CPUs or millicores, e.g. 2, 0.5 or 500m");
  });

  it("memory is whole bytes: 512m (milli) is caught with the fix; negative amounts are errors", () => {
    expect(quantityProblem("512m", "memory")).toBe("is not a whole number of bytes (m is milli, 10^-3): use 512M (10^6 bytes) or 512Mi (2^20 bytes)");
    expect(quantityProblem("0.1Ki", "memory")).toBe("is not a whole number of bytes");
    expect(quantityProblem("1.1M", "memory")).toBeUndefined();
    expect(quantityProblem("-1Gi", "memory")).toBe("must not be negative");
  });

  it("checks node capacity, metrics and evict steps too (an eviction threshold may be a percentage)", () => {
    const evict = (threshold: string) => `${scenario()}  - at: 2s\n    evict: { pod: shop/web, threshold: "${threshold}", usage: 600Mi }\n`;
    expect(() => parseScenario(evict("10%"), "ok.yaml")).not.toThrow();
    expect(errorOf(evict("100MB")).message).toMatch(/^bad\.yaml:15:40: steps\[1\]\.evict\.threshold: threshold "100MB" is not a Kubernetes quantity: use 100M /);
    expect(errorOf(scenario({ nodeMemory: "16GB" })).message).toBe(
      'bad.yaml:4:13: nodes[0].memory: memory "16GB" is not a Kubernetes quantity: use 16G (10^9 bytes) or 16Gi (2^30 bytes)',
    );
    expect(errorOf(scenario({ metricsMemory: "300 MB" })).message).toMatch(/^bad\.yaml:13:39: steps\[0\]\.metrics\.memory: memory "300 MB" is not a Kubernetes quantity: use 300M /);
  });
});

describe("messages read as sentences", () => {
  it("a missing field is required, an empty list needs an item, an unknown field gets its likely name", () => {
    const missing = errorOf("name: x\nnodes:\n  - { cpu: '2' }\n");
    expect(missing.message).toBe("bad.yaml:3:5: nodes[0].name: name is required");
    const empty = errorOf("name: x\nnodes: [{ name: a }]\ndeployments:\n  - name: web\n    containers: []\n");
    expect(empty.message).toBe("bad.yaml:5:17: deployments[0].containers: containers must have at least 1 item");
    const typo = errorOf(scenario().replace("limits:", "limts:"));
    expect(typo.message).toBe("bad.yaml:10:9: deployments[0].containers[0].limts: unknown field 'limts' (did you mean 'limits'?)");
  });

  it("wrong types and values name what was expected and what was found", () => {
    expect(errorOf("name: x\nnodes: [{ name: a, pods: many }]\n").message).toBe('bad.yaml:2:26: nodes[0].pods: pods must be a number, not the text "many"');
    expect(errorOf(`${scenario()}  - at: 2s\n    evict: { pod: shop/web, resource: memroy }\n`).message).toBe(
      'bad.yaml:15:39: steps[1].evict.resource: resource must be one of "memory", "ephemeral-storage", "pids", not the text "memroy" (did you mean "memory"?)',
    );
    // A misspelled action is one problem (the unknown key), not also "a step needs exactly one action".
    const action = errorOf(`${scenario()}  - at: 2s\n    oomKil: { pod: shop/web }\n`);
    expect(action.message).toBe("bad.yaml:15:5: steps[1].oomKil: unknown field 'oomKil' (did you mean 'oomKill'?)");
  });

  it("never shows zod's default texts", () => {
    const e = errorOf("nodes:\n  - name: a\n    memory: 1GB\n    pods: 1.5\n    taints: [{ key: k }]\n");
    expect(e.message).not.toMatch(/Invalid input|Required|expected string, received|Too small|Unrecognized key/);
  });
});

describe("every problem is listed", () => {
  it("a file with 3 problems lists 3, each with its line and column, in file order", () => {
    const text = scenario({ limitMemory: "256MB" }).replace("  - name: node-a\n", "  - nme: node-a\n").replace("    namespace: shop\n", "    namespace: shop\n    replicas: -1\n");
    const e = errorOf(text);
    expect(e).toBeInstanceOf(SourceProblems);
    expect((e as SourceProblems).problems.map((p) => [p.line, p.column])).toEqual([
      [3, 5],
      [3, 5],
      [8, 15],
      [11, 27],
    ]);
    expect(e.message.split("\n")).toEqual([
      "bad.yaml:3:5: nodes[0].name: name is required",
      "bad.yaml:3:5: nodes[0].nme: unknown field 'nme' (did you mean 'name'?)",
      "bad.yaml:8:15: deployments[0].replicas: replicas must be at least 0",
      'bad.yaml:11:27: deployments[0].containers[0].limits.memory: memory "256MB" is not a Kubernetes quantity: use 256M (10^6 bytes) or 256Mi (2^20 bytes)',
    ]);
    expect(e.message).not.toContain("more problem");
  });

  it("lists every unknown reference, not only the first", () => {
    const text = `${scenario()}  - at: 2s\n    oomKill: { pod: shop/wbe }\n  - at: 3s\n    memoryPressure: { node: node-q }\n`;
    const e = errorOf(text);
    expect(e.message.split("\n")).toEqual([
      'bad.yaml:15:21: steps[1].oomKill.pod: unknown pod or workload "shop/wbe"',
      'bad.yaml:17:29: steps[2].memoryPressure.node: unknown node "node-q" (nodes: node-a)',
    ]);
  });

  it("two unknown keys in one object are two problems, each at its key", () => {
    const e = errorOf(scenario().replace("- name: app\n", "- name: app\n        imagee: x\n        sidecr: true\n"));
    expect(e.message.split("\n")).toEqual([
      "bad.yaml:10:9: deployments[0].containers[0].imagee: unknown field 'imagee' (did you mean 'image'?)",
      "bad.yaml:11:9: deployments[0].containers[0].sidecr: unknown field 'sidecr' (did you mean 'sidecar'?)",
    ]);
  });
});
