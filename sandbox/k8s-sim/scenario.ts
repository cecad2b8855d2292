/**
 * Scenario files: loading with positioned errors (`file:line:column: problem`),
 * reference checks, and the entry points the sandbox and tests use.
 * Format: scenario-schema.ts; playing: scenario-player.ts.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document } from "yaml";
import type { z } from "zod";
import { copyName, matchNames } from "./scenario-names.ts";
import { type Scenario, ScenarioSchema, type ScenarioSpec } from "./scenario-schema.ts";
import { SourceError } from "./source-error.ts";

export { playScenario, type PlayOptions, type StepInfo } from "./scenario-player.ts";
export { checkExpect, matchesExpectation } from "./scenario-expect.ts";
export type { Expect, Expectation, Step, Action, ActionName, Scenario } from "./scenario-schema.ts";

/** Directory of the built-in scenarios (sandbox/scenarios). */
export const BUILTIN_SCENARIO_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../scenarios");

export const BUILTIN_SCENARIOS = ["demo", "storm", "quiet"] as const;

/** Resolves a built-in name (`demo`) to sandbox/scenarios/demo.yaml; anything else is a path. */
export function resolveScenarioPath(nameOrPath: string): string {
  if (/^[a-z0-9][a-z0-9-]*$/i.test(nameOrPath)) {
    const builtin = resolve(BUILTIN_SCENARIO_DIR, `${nameOrPath}.yaml`);
    if (existsSync(builtin)) return builtin;
  }
  return resolve(nameOrPath);
}

export function loadScenario(nameOrPath: string): Scenario {
  const file = resolveScenarioPath(nameOrPath);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(
      code === "ENOENT" ? `scenario ${nameOrPath}: no such file ${file} (built-in scenarios: ${BUILTIN_SCENARIOS.join(", ")})` : `scenario ${file}: ${(err as Error).message}`,
    );
  }
  return parseScenario(text, file);
}

type Path = readonly PropertyKey[];

/** Start offset of the deepest node along `path` (a missing key points at its parent). */
function offsetOf(doc: Document, path: Path, key?: string): number {
  let node: unknown = doc.contents;
  let offset = (node as { range?: [number] } | null)?.range?.[0] ?? 0;
  const steps = key === undefined ? path : [...path, key];
  for (const [i, segment] of steps.entries()) {
    if (!isMap(node) && !isSeq(node)) break;
    const isLastKey = key !== undefined && i === steps.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) break;
      const target = isLastKey ? pair.key : pair.value;
      if (isNode(target) && target.range) offset = target.range[0];
      node = target;
    } else {
      const item = node.items[Number(segment)];
      if (!isNode(item) || !item.range) break;
      offset = item.range[0];
      node = item;
    }
  }
  return offset;
}

function describePath(path: Path): string {
  return path.reduce<string>((s, p) => (typeof p === "number" ? `${s}[${p}]` : s ? `${s}.${String(p)}` : String(p)), "");
}

/** Parses and validates scenario text (YAML or JSON). */
export function parseScenario(text: string, file: string): Scenario {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number, detail: string) => {
    const pos = lineCounter.linePos(offset);
    return new SourceError(file, pos.line, pos.col, detail);
  };
  const syntax = doc.errors[0];
  if (syntax) throw at(syntax.pos[0], `syntax error: ${syntax.message.split("\n")[0]}`);
  const parsed = ScenarioSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    const issue = parsed.error.issues[0] as z.core.$ZodIssue;
    const unknownKey = issue.code === "unrecognized_keys" ? issue.keys[0] : undefined;
    const where = describePath(unknownKey ? [...issue.path, unknownKey] : issue.path);
    const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problem(s))` : "";
    throw at(offsetOf(doc, issue.path, unknownKey), `${where ? `${where}: ` : ""}${issue.message}${more}`);
  }
  const spec = parsed.data;
  const problem = checkReferences(spec);
  if (problem) throw at(offsetOf(doc, problem.path), `${describePath(problem.path)}: ${problem.message}`);
  const lastStep = Math.max(0, ...spec.steps.map((s) => s.at + (s.repeat - 1) * (s.every ?? 0)));
  return { ...spec, file, durationMs: spec.duration ?? lastStep };
}

// ---------------------------------------------------------------- reference checks

/** Names a pod reference can resolve to: deployments (with copies), cron jobs, pods, raw Pod objects. */
export function podRefNames(spec: ScenarioSpec): string[] {
  const names: string[] = [];
  for (const d of spec.deployments) {
    if (d.copies) for (let i = 1; i <= d.copies; i++) names.push(`${d.namespace}/${copyName(d.name, i)}`);
    else names.push(`${d.namespace}/${d.name}`);
  }
  for (const c of spec.cronJobs) names.push(`${c.namespace}/${c.name}`);
  for (const p of spec.pods) names.push(`${p.namespace}/${p.name}`);
  const raw = [...spec.objects, ...spec.steps.flatMap((s) => (s.action.type === "apply" ? [s.action.args].flat() : []))];
  for (const o of raw) if (o.kind === "Pod") names.push(`${(o.metadata as { namespace?: string }).namespace ?? "default"}/${o.metadata.name}`);
  return names;
}

function checkReferences(spec: ScenarioSpec): { path: Path; message: string } | undefined {
  const nodes = spec.nodes.map((n) => n.name);
  const pods = podRefNames(spec);
  const deployments = spec.deployments.flatMap((d) => (d.copies ? Array.from({ length: d.copies }, (_, i) => `${d.namespace}/${copyName(d.name, i + 1)}`) : [`${d.namespace}/${d.name}`]));
  const cronJobs = spec.cronJobs.map((c) => `${c.namespace}/${c.name}`);
  const checkNode = (name: string | undefined, path: Path) =>
    name !== undefined && matchNames(name, nodes).length === 0 ? { path, message: `unknown node "${name}" (nodes: ${nodes.join(", ")})` } : undefined;
  for (const [i, d] of spec.deployments.entries()) {
    for (const [j, n] of (d.nodes ?? []).entries()) {
      const bad = checkNode(n, ["deployments", i, "nodes", j]);
      if (bad) return bad;
    }
  }
  for (const [i, c] of spec.cronJobs.entries()) {
    const bad = checkNode(c.node, ["cronJobs", i, "node"]);
    if (bad) return bad;
  }
  for (const [i, p] of spec.pods.entries()) {
    const bad = checkNode(p.node, ["pods", i, "node"]);
    if (bad) return bad;
  }
  for (const [i, step] of spec.steps.entries()) {
    const base: Path = ["steps", i, step.action.type];
    const args = step.action.args as { pod?: string; node?: string; victim?: { pod: string }; deployment?: string; cronJob?: string };
    const badNode = checkNode(args.node, [...base, "node"]);
    if (badNode) return badNode;
    for (const [ref, path] of [
      [args.pod, [...base, "pod"]],
      [args.victim?.pod, [...base, "victim", "pod"]],
    ] as const) {
      if (ref !== undefined && matchNames(ref, pods).length === 0) return { path, message: `unknown pod or workload "${ref}"` };
    }
    if (args.deployment !== undefined && !deployments.includes(args.deployment)) return { path: [...base, "deployment"], message: `unknown deployment "${args.deployment}"` };
    if (args.cronJob !== undefined && !cronJobs.includes(args.cronJob)) return { path: [...base, "cronJob"], message: `unknown cron job "${args.cronJob}"` };
  }
  return undefined;
}
