/**
 * Severity (the runbook levels) and escalation, docs/design.md "Severity and escalation":
 * Level 1 container OOM, Level 2 eviction / memory pressure, Level 3 node OOM,
 * raised by the escalation policy. Every raise carries a readable reason.
 */
import type { Level } from "../schema/incident.ts";
import type { IncidentKind } from "../schema/occurrence.ts";
import { type AnalysisContext, clusterEvictionsText } from "./context.ts";

export const BASE_LEVEL: Record<IncidentKind, Level> = {
  ContainerOOM: 1,
  PodEviction: 2,
  NodeMemoryPressure: 2,
  NodeOOM: 3,
  // Early warnings: a heads-up to the owner, never a page.
  MemoryNearLimit: 0,
  NodeMemoryHigh: 0,
};

export interface Classification {
  level: Level;
  baseLevel: Level;
  /** Why the level is above the base level (empty when it is not). */
  reasons: string[];
}

interface Rule {
  to: Level;
  reason: string;
}

function isCritical(priorityClassName: string | undefined, ctx: AnalysisContext): boolean {
  return priorityClassName !== undefined && ctx.policy.criticalPriorityClasses.includes(priorityClassName);
}

function containerOomRules(ctx: AnalysisContext): Rule[] {
  const out: Rule[] = [];
  const { frequentOom } = ctx.policy;
  const name = ctx.occurrence.container?.name ?? ctx.container?.name ?? "container";
  if (ctx.oomsInWindow !== undefined && ctx.oomsInWindow > frequentOom.count) {
    out.push({
      to: 2,
      reason: `frequent OOM: ${ctx.oomsInWindow} OOM kills of container ${name} in ${frequentOom.windowMinutes} min (policy: more than ${frequentOom.count})`,
    });
  }
  if (isCritical(ctx.pod?.priorityClassName, ctx)) {
    out.push({ to: 3, reason: `OOM of a ${ctx.pod?.priorityClassName} pod` });
  }
  // A node-OOM victim (ctx.nodeOom) keeps its own level: it becomes part of the node OOM
  // incident (Level 3, which lists it) instead of a second Level 3 incident.
  return out;
}

function evictionRules(ctx: AnalysisContext): Rule[] {
  const out: Rule[] = [];
  const { massEviction } = ctx.policy;
  if (ctx.clusterEvictionsInWindow !== undefined && ctx.clusterEvictionsInWindow > massEviction.count) {
    out.push({
      to: 3,
      reason: `mass eviction: ${clusterEvictionsText(ctx)} memory evictions in the cluster in ${massEviction.windowMinutes} min (policy: more than ${massEviction.count})`,
    });
  }
  for (const p of ctx.evictedPods ?? []) {
    if (ctx.policy.escalateGuaranteedEviction && p.qosClass === "Guaranteed") {
      out.push({ to: 3, reason: `eviction of Guaranteed pod ${p.namespace}/${p.pod}` });
    }
    if (isCritical(p.priorityClassName, ctx)) {
      out.push({ to: 3, reason: `eviction of ${p.priorityClassName} pod ${p.namespace}/${p.pod}` });
    }
  }
  return out;
}

function nodeOomRules(ctx: AnalysisContext): Rule[] {
  const process = ctx.occurrence.nodeOOM?.process;
  // Already Level 3; the reason still tells the responder the node itself is at risk.
  if (process && ctx.policy.criticalProcesses.includes(process)) return [{ to: 3, reason: `node OOM killed ${process}` }];
  return [];
}

/** Early warnings (Level 0) are heads-ups: no escalation rule raises them to a paging level. */
/** One container's incidents (an OOM kill, a warning near its limit), as opposed to node-level ones. */
export const isContainerKind = (kind: IncidentKind): boolean => kind === "ContainerOOM" || kind === "MemoryNearLimit";

export const isEarlyWarningKind = (kind: IncidentKind): boolean => BASE_LEVEL[kind] === 0;

function rulesFor(ctx: AnalysisContext): Rule[] {
  if (isEarlyWarningKind(ctx.kind)) return [];
  if (ctx.kind === "ContainerOOM") return containerOomRules(ctx);
  return ctx.kind === "NodeOOM" ? nodeOomRules(ctx) : evictionRules(ctx);
}

export function classify(ctx: AnalysisContext): Classification {
  const baseLevel = BASE_LEVEL[ctx.kind];
  const rules = rulesFor(ctx);
  let level = baseLevel;
  const reasons: string[] = [];
  for (const r of rules) {
    if (r.to <= baseLevel) continue;
    if (r.to > level) level = r.to;
    if (!reasons.includes(r.reason)) reasons.push(r.reason);
  }
  return { level, baseLevel, reasons };
}
