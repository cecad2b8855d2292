/**
 * Scenario files: loading with positioned errors (`file:line:column: problem`),
 * reference checks, and the entry points the sandbox and tests use.
 * Format: scenario-schema.ts; playing: scenario-player.ts.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document } from "yaml";
import { copyName, matchNames } from "./scenario-names.ts";
import { describePath, type Path, type Problem, problemsOf, scenarioErrorMap } from "./scenario-issues.ts";
import { type Scenario, ScenarioSchema, type ScenarioSpec } from "./scenario-schema.ts";
import { SourceError, SourceProblems } from "./source-error.ts";

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

/**
 * Parses and validates scenario text (YAML or JSON). Throws a SourceError listing every problem,
 * each at the position of its YAML node: all schema problems, or (when the schema is met) all
 * references to nodes and workloads that do not exist.
 */
export function parseScenario(text: string, file: string): Scenario {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number, detail: string) => {
    const pos = lineCounter.linePos(offset);
    return new SourceError(file, pos.line, pos.col, detail);
  };
  const fail = (problems: Problem[]): SourceError => {
    const located = problems
      .map((p) => ({ offset: offsetOf(doc, p.path, p.key), p }))
      .sort((a, b) => a.offset - b.offset)
      .map(({ offset, p }) => {
        const where = describePath(p.key === undefined ? p.path : [...p.path, p.key]);
        return at(offset, `${where ? `${where}: ` : ""}${p.message}`);
      });
    return located.length === 1 ? located[0]! : new SourceProblems(located);
  };
  if (doc.errors.length) {
    const syntax = doc.errors.map((e) => at(e.pos[0], `syntax error: ${e.message.split("\n")[0]}`));
    throw syntax.length === 1 ? syntax[0]! : new SourceProblems(syntax);
  }
  const parsed = ScenarioSchema.safeParse(doc.toJS(), { error: scenarioErrorMap });
  if (!parsed.success) throw fail(problemsOf(parsed.error.issues));
  const spec = parsed.data;
  const problems = checkReferences(spec);
  if (problems.length) throw fail(problems);
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

function checkReferences(spec: ScenarioSpec): Problem[] {
  const problems: Problem[] = [];
  const nodes = spec.nodes.map((n) => n.name);
  const pods = podRefNames(spec);
  const deployments = spec.deployments.flatMap((d) => (d.copies ? Array.from({ length: d.copies }, (_, i) => `${d.namespace}/${copyName(d.name, i + 1)}`) : [`${d.namespace}/${d.name}`]));
  const cronJobs = spec.cronJobs.map((c) => `${c.namespace}/${c.name}`);
  const checkNode = (name: string | undefined, path: Path) => {
    if (name !== undefined && matchNames(name, nodes).length === 0) problems.push({ path, message: `unknown node "${name}" (nodes: ${nodes.join(", ")})` });
  };
  for (const [i, d] of spec.deployments.entries()) {
    for (const [j, n] of (d.nodes ?? []).entries()) checkNode(n, ["deployments", i, "nodes", j]);
  }
  for (const [i, c] of spec.cronJobs.entries()) checkNode(c.node, ["cronJobs", i, "node"]);
  for (const [i, p] of spec.pods.entries()) checkNode(p.node, ["pods", i, "node"]);
  for (const [i, step] of spec.steps.entries()) {
    const base: Path = ["steps", i, step.action.type];
    const args = step.action.args as { pod?: string; node?: string; victim?: { pod: string }; deployment?: string; cronJob?: string };
    checkNode(args.node, [...base, "node"]);
    for (const [ref, path] of [
      [args.pod, [...base, "pod"]],
      [args.victim?.pod, [...base, "victim", "pod"]],
    ] as const) {
      if (ref !== undefined && matchNames(ref, pods).length === 0) problems.push({ path, message: `unknown pod or workload "${ref}"` });
    }
    if (args.deployment !== undefined && !deployments.includes(args.deployment)) problems.push({ path: [...base, "deployment"], message: `unknown deployment "${args.deployment}"` });
    if (args.cronJob !== undefined && !cronJobs.includes(args.cronJob)) problems.push({ path: [...base, "cronJob"], message: `unknown cron job "${args.cronJob}"` });
  }
  return problems;
}
