/** Picks the runbook steps for an incident and fills in its real names. */
import { BASE_LEVEL } from "../domain/classify.ts";
import { formatBytes } from "../quantity.ts";
import type { Incident, Level } from "../schema/incident.ts";
import type { IncidentKind } from "../schema/occurrence.ts";
import { RUNBOOKS, type Runbook, type RunbookCommand, type RunbookStep } from "./runbooks.ts";

export const PLACEHOLDERS = ["cluster", "namespace", "pod", "container", "workload", "node", "request", "limit"] as const;
export type RunbookNames = Partial<Record<(typeof PLACEHOLDERS)[number], string>>;


/** At most this many steps in a message; the document has the rest. */
export const MAX_MESSAGE_STEPS = 10;

export function namesFor(incident: Incident): RunbookNames {
  const pod = incident.snapshot.pod;
  const proposed = incident.recommendation?.proposed;
  const names: RunbookNames = {
    cluster: incident.cluster,
    namespace: incident.namespace ?? pod?.namespace,
    pod: pod?.name ?? incident.pods.at(-1),
    container: incident.container ?? incident.containers[0] ?? incident.recommendation?.container,
    workload: incident.workload ? `${incident.workload.kind.toLowerCase()}/${incident.workload.name}` : undefined,
    node: incident.node ?? pod?.nodeName ?? incident.snapshot.node?.name,
    request: proposed?.requestBytes !== undefined ? formatBytes(proposed.requestBytes) : undefined,
    limit: proposed?.limitBytes !== undefined ? formatBytes(proposed.limitBytes) : undefined,
  };
  return Object.fromEntries(Object.entries(names).filter(([, v]) => v)) as RunbookNames;
}

/** Replaces `{{name}}`; names the incident does not have stay visible as `<name>`. */
export function fillTemplate(template: string, names: RunbookNames): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_m, key: string) => names[key as keyof RunbookNames] ?? `<${key}>`);
}

/** Words the `when` filters of steps are matched against: causes, runtime settings, container type. */
function hintsFor(incident: Incident): string {
  const container = incident.snapshot.pod?.containers.find((c) => c.name === incident.container);
  return [
    ...incident.diagnosis.causes,
    ...Object.entries(container?.memorySettings ?? {}).flat(),
    ...Object.keys(incident.recommendation?.settings ?? {}),
    container?.type === "init" ? "init" : "",
  ]
    .join(" ")
    .toLowerCase();
}

export interface FilledStep {
  level: Level;
  id: string;
  title: string;
  detail: string;
  commands: RunbookCommand[];
}

function applies(step: RunbookStep, kind: IncidentKind, hints: string): boolean {
  if (step.kinds && !step.kinds.includes(kind)) return false;
  return !step.when || step.when.some((w) => hints.includes(w));
}

function fill(runbook: Runbook, step: RunbookStep, names: RunbookNames): FilledStep {
  return {
    level: runbook.level,
    id: step.id,
    title: step.title,
    detail: fillTemplate(step.detail, names),
    commands: step.commands.map((c) => ({ where: c.where, run: fillTemplate(c.run, names) })),
  };
}

/**
 * Steps of the incident's level for its kind, then (when it was escalated) the
 * steps of the level its kind starts at, so a repeated container OOM still gets
 * the container checks.
 */
export function stepsFor(incident: Incident): { runbook: Runbook; steps: FilledStep[]; omitted: number } {
  const names = namesFor(incident);
  const hints = hintsFor(incident);
  const levels: Level[] = [incident.level];
  const base = BASE_LEVEL[incident.kind];
  if (base < incident.level) levels.push(base);
  const seen = new Set<string>();
  const all: FilledStep[] = [];
  for (const level of levels) {
    const runbook = RUNBOOKS[level];
    for (const step of runbook.steps) {
      if (!applies(step, incident.kind, hints) || seen.has(step.id)) continue;
      seen.add(step.id);
      all.push(fill(runbook, step, names));
    }
  }
  return { runbook: RUNBOOKS[incident.level], steps: all.slice(0, MAX_MESSAGE_STEPS), omitted: Math.max(0, all.length - MAX_MESSAGE_STEPS) };
}
