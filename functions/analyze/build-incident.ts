/**
 * Assembles the incident record from the analysis: level never goes down within an
 * incident, escalation reasons accumulate, and each raise is one history step.
 * Times come from the occurrences (not the clock) so a retry builds the same record.
 */
import { type Classification, isContainerKind } from "../../shared/domain/classify.ts";
import type { AnalysisContext } from "../../shared/domain/context.ts";
import type { Diagnosis } from "../../shared/domain/diagnosis.ts";
import type { MemberSummary } from "../../shared/domain/members.ts";
import { MAX_MESSAGE_BYTES } from "../../shared/resources.ts";
import { traceJsonBytes, trimTrace } from "../../shared/memory/trace.ts";
import type { Incident, Level, Recommendation } from "../../shared/schema/incident.ts";
import type { Enriched } from "./enrich.ts";

export interface BuildInput {
  id: string;
  groupKey: string;
  ctx: AnalysisContext;
  summary: MemberSummary;
  classification: Classification;
  diagnosis: Diagnosis;
  recommendation?: Recommendation;
  enriched: Enriched;
  prior?: Incident;
  /** First early warning of the container (Level 0 incidents: of themselves), see memory-evidence.ts. */
  warnedAt?: string;
  now: Date;
}

export function buildIncident(b: BuildInput): Incident {
  const { ctx, summary, classification, prior } = b;
  const o = ctx.occurrence;
  const priorLevel = prior?.level;
  const level = Math.max(priorLevel ?? 0, classification.level) as Level;
  const reasons = [...new Set([...(prior?.escalation.reasons ?? []), ...classification.reasons])];
  const history = [...(prior?.escalationHistory ?? [])];
  const from = priorLevel ?? classification.baseLevel;
  if (level > from) {
    const fresh = classification.reasons.filter((r) => !prior?.escalation.reasons.includes(r));
    history.push({ from, to: level, reason: (fresh.length ? fresh : reasons).join("; "), at: summary.lastSeen });
  }
  const node = o.node ?? ctx.pod?.nodeName ?? ctx.node?.name;
  // Container-scoped kinds name their namespace, workload and container; node kinds do not.
  const podScoped = isContainerKind(summary.kind);
  const incident: Incident = {
    id: b.id,
    level,
    kind: summary.kind,
    cluster: o.cluster,
    namespace: podScoped ? (o.namespace ?? ctx.pod?.namespace) : undefined,
    workload: podScoped ? ctx.pod?.workload : undefined,
    container: podScoped ? (o.container?.name ?? ctx.container?.name) : undefined,
    node: podScoped && summary.nodes.length > 1 ? undefined : node,
    groupKey: b.groupKey,
    pods: summary.pods,
    containers: summary.containers,
    occurrences: summary.occurrences,
    firstSeen: summary.firstSeen,
    lastSeen: summary.lastSeen,
    escalation: { ...(level > classification.baseLevel ? { from: classification.baseLevel } : {}), reasons: level > classification.baseLevel ? reasons : [] },
    escalationHistory: history,
    diagnosis: { causes: b.diagnosis.causes, summary: b.diagnosis.summary },
    recommendation: b.recommendation,
    enrichment: b.enriched.enrichment,
    // Analysis runs only for an incident that just received an occurrence: it is open. Resolution sets it otherwise.
    status: "open",
    enrichmentError: b.enriched.enrichmentError,
    victims: ctx.victims ?? [],
    ...(ctx.nodeOom ? { partOf: { incidentId: ctx.nodeOom.incidentId, kind: "NodeOOM" as const, ...(ctx.nodeOom.node ? { node: ctx.nodeOom.node } : {}) } } : {}),
    facts: {
      limitBytes: ctx.container?.limits.memory,
      requestBytes: ctx.container?.requests.memory,
      usageBytes: ctx.usageBytes,
      restarts: ctx.container?.restartCount ?? o.container?.restartCount,
      evictions: summary.evictedPods.length || undefined,
      exitCode: o.container?.exitCode,
      process: o.nodeOOM?.process,
    },
    lastMessage: o.message,
    snapshot: { pod: ctx.pod, node: ctx.node },
    slack: prior?.slack,
    // The trace of the latest occurrence; an occurrence without one keeps the previous trace.
    memoryTrace: ctx.trace ?? prior?.memoryTrace,
    ...(b.warnedAt ? { warnedAt: b.warnedAt } : {}),
    // Found once by the opening analysis (previous-incident.ts): every later analysis carries it on.
    ...(prior?.previous ? { previous: prior.previous } : {}),
    updatedAt: b.now.toISOString(),
  };
  return fitIncident(incident);
}

/** Keeps the record (and the notify message carrying it) under the SQS size budget: evidence goes first. */
export function fitIncident(incident: Incident, maxBytes = MAX_MESSAGE_BYTES - 8 * 1024): Incident {
  const size = (i: Incident) => Buffer.byteLength(JSON.stringify(i));
  if (size(incident) <= maxBytes) return incident;
  const out: Incident = structuredClone(incident);
  if (out.snapshot.pod) delete out.snapshot.pod.logTail;
  if (out.snapshot.node) out.snapshot.node.topPods = out.snapshot.node.topPods.slice(0, 3);
  if (size(out) <= maxBytes) return out;
  out.snapshot = {};
  out.victims = out.victims.slice(0, 20);
  out.pods = out.pods.slice(0, 20);
  if (out.memoryTrace && size(out) > maxBytes) {
    out.memoryTrace = trimTrace(out.memoryTrace, Math.max(0, traceJsonBytes(out.memoryTrace) - (size(out) - maxBytes)));
  }
  return out;
}
