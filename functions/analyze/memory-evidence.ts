/**
 * What analyze reads from the memory history (docs/memory-history.md): the occurrence's trace
 * (completed with the container's limit and request), its shape, and for a container OOM the
 * time of the first Level 0 warning about the same container (`warnedAt`).
 */
import type { AnalysisContext } from "../../shared/domain/context.ts";
import { withinGroupWindow, warningGroupKeyOf } from "../../shared/domain/grouping.ts";
import type { EscalationPolicy } from "../../shared/domain/policy.ts";
import { diagnoseShape } from "../../shared/memory/shape.ts";
import type { MemoryTrace } from "../../shared/memory/trace.ts";
import type { Incident } from "../../shared/schema/incident.ts";
import type { PipelineStore } from "../../shared/storage/pipeline-store.ts";
import { utc } from "../../shared/time.ts";

/** Kinds whose trace is one container's working set against its own limit (shapes need a limit to mean anything). */
const CONTAINER_TRACE_KINDS = new Set(["ContainerOOM", "PodEviction", "MemoryNearLimit"]);

export function memoryEvidence(ctx: AnalysisContext): Pick<AnalysisContext, "trace" | "shape"> {
  const raw = ctx.occurrence.memoryTrace;
  if (!raw) return {};
  const limit = ctx.container?.limits.memory;
  const request = ctx.container?.requests.memory;
  const perContainer = CONTAINER_TRACE_KINDS.has(ctx.kind);
  const trace: MemoryTrace = perContainer
    ? {
        ...raw,
        ...(raw.limitBytes === undefined && limit !== undefined ? { limitBytes: limit } : {}),
        ...(raw.requestBytes === undefined && request !== undefined ? { requestBytes: request } : {}),
      }
    : raw;
  if (!perContainer) return { trace };
  // A kill by the node OOM killer is not a kill at the limit: it says nothing about a spike.
  const oomKilled = ctx.kind === "ContainerOOM" && !ctx.nodeOom;
  return { trace, shape: diagnoseShape(trace, { oomKilled }) };
}

const earliest = (a: string | undefined, b: string | undefined): string | undefined => (a && b ? (a < b ? a : b) : (a ?? b));

/**
 * Level 0 incidents: the first `firingSince` of their warnings. Container OOMs: that value of the
 * container's warning incident when its last warning is within the group window before the kill —
 * two key reads (group item, then one attribute of the incident), never a query over warnings.
 */
export async function warnedAtFor(store: PipelineStore, ctx: AnalysisContext, prior: Incident | undefined, policy: EscalationPolicy): Promise<string | undefined> {
  const o = ctx.occurrence;
  if (ctx.kind === "MemoryNearLimit" || ctx.kind === "NodeMemoryHigh") {
    return earliest(prior?.warnedAt, o.warning ? utc(o.warning.firingSince) : undefined);
  }
  if (prior?.warnedAt) return prior.warnedAt; // the first warning stays the first
  const key = warningGroupKeyOf(o);
  if (!key) return undefined;
  const group = await store.getGroup(key);
  if (!group || !withinGroupWindow(group.lastSeen, o.occurredAt, policy.groupWindowMinutes)) return undefined;
  const warnedAt = await store.getIncidentWarnedAt(group.incidentId);
  // A warning that started after the kill (the restarted container) did not warn about it.
  return warnedAt && Date.parse(warnedAt) <= Date.parse(o.occurredAt) ? warnedAt : undefined;
}
