/**
 * One analysis: running tally -> counts, enrichment, correlation, classification,
 * diagnosis, advice -> incident item (never `slack`) -> NotifyRequest.
 *
 * Idempotent: everything is derived from the incident's running tally (incident-numbers.ts), the
 * write is conditional on not going backwards, and the NotifyRequest of a repeated
 * analysis (duplicate message, crash after the write) is the same one again.
 */
import type { Logger } from "@aws-lambda-powertools/logger";
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { KubernetesAccess } from "../../shared/clients/kubernetes.ts";
import { classify } from "../../shared/domain/classify.ts";
import type { AnalysisContext } from "../../shared/domain/context.ts";
import { diagnose } from "../../shared/domain/diagnosis.ts";
import { groupOf } from "../../shared/domain/grouping.ts";
import type { EscalationPolicy } from "../../shared/domain/policy.ts";
import { recommend } from "../../shared/domain/recommendation.ts";
import type { AnalyzeRequest, Incident, NotifyRequest } from "../../shared/schema/incident.ts";
import { type Occurrence, OccurrenceSchema } from "../../shared/schema/occurrence.ts";
import { LOST, retryOnContention } from "../../shared/contention-retry.ts";
import { fromIncidentItem } from "../../shared/storage/incident-item.ts";
import { type AnalysisMark, writeIncident } from "../../shared/storage/incident-writer.ts";
import type { PipelineStore } from "../../shared/storage/pipeline-store.ts";
import { buildIncident } from "./build-incident.ts";
import { withPrevious } from "./previous-incident.ts";
import { memoryEvidence, warnedAtFor } from "./memory-evidence.ts";
import { nodeOomNear, victimsOf } from "./correlate.ts";
import { enrich } from "./enrich.ts";
import { incidentNumbers } from "./incident-numbers.ts";

export interface AnalyzeContext {
  store: PipelineStore;
  sqs: SQSClient;
  notifyQueueUrl: string;
  /** Where correlation re-analyses of victim incidents go (the analyze queue). */
  analyzeQueueUrl?: string;
  k8s?: KubernetesAccess;
  cluster?: string;
  policy: EscalationPolicy;
  now: () => Date;
  logger?: Logger;
}

export type AnalyzeOutcome = { status: "stale" | "superseded"; reason: string } | { status: "analyzed"; incident: Incident; change: NotifyRequest["change"] };

function priorOf(item: Record<string, unknown> | undefined, logger?: Logger): { prior?: Incident; mark?: AnalysisMark["lastNotify"] } {
  if (!item) return {};
  try {
    return { prior: fromIncidentItem(item), mark: item.lastNotify as AnalysisMark["lastNotify"] | undefined };
  } catch (err) {
    // Only ingest's count bump can precede the first analysis; treat anything unreadable as new.
    logger?.warn("stored incident unreadable, rebuilding it", { error: String(err) });
    return {};
  }
}

export async function analyzeIncident(c: AnalyzeContext, req: AnalyzeRequest): Promise<AnalyzeOutcome> {
  const outcome = await analyzeWithRetries(c, req);
  // Ingest does not trigger analyses for occurrences that arrive before the first analysis is
  // stored (it would be one per occurrence in a storm). Occurrences counted after this analysis
  // read the tally are seen here, after the write, and are analysed once more (now with a prior).
  if (outcome.status === "analyzed" && outcome.first) {
    const counted = (await incidentNumbers(c.store, req.incidentId, req.occurrence, c.policy))?.occurrences ?? 0;
    if (counted > outcome.incident.occurrences) return analyzeWithRetries(c, { ...req, trigger: "repeat" });
  }
  return outcome;
}

type OnceOutcome = AnalyzeOutcome & { first?: boolean };
/** A newer analysis was stored meanwhile; `occurrences`: how many occurrences the losing one counted. */
type Lost = { lost: true; occurrences: number };

/**
 * Concurrent analyses of one incident (a storm) race on the incident item. A loser whose
 * occurrence the stored winner already counted is done: the tally only ever grows, so a
 * winner that counted at least as many occurrences as the loser read (which included the
 * loser's occurrence, counted before its request was sent) saw that occurrence, and its
 * NotifyRequest covers it (correlation re-analyses excepted). Otherwise it analyses again on fresh reads, with backoff,
 * within the invocation's time (shared/contention-retry.ts).
 */
async function analyzeWithRetries(c: AnalyzeContext, req: AnalyzeRequest): Promise<OnceOutcome> {
  return retryOnContention(
    async () => {
      const outcome = await analyzeOnce(c, req);
      if (!("lost" in outcome)) return outcome;
      // A correlation re-analysis brings a link (node log) the winner may not have read: never skipped.
      const stored = req.trigger === "correlation" ? undefined : await c.store.getIncidentOccurrences(req.incidentId);
      if (stored !== undefined && stored >= outcome.occurrences) {
        return { status: "superseded" as const, reason: `a newer analysis counted this occurrence (${stored} ≥ ${outcome.occurrences})` };
      }
      return LOST;
    },
    { subject: `incident ${req.incidentId}` },
  );
}

/** Lost when a newer analysis was stored meanwhile. `first`: no incident was stored before. */
async function analyzeOnce(c: AnalyzeContext, req: AnalyzeRequest): Promise<OnceOutcome | Lost> {
  const { store, policy } = c;
  const o = req.occurrence;
  const counted = await incidentNumbers(store, req.incidentId, o, policy);
  if (!counted) return { status: "stale", reason: "incident has no occurrences (expired or never ingested)" };
  const { prior, mark } = priorOf(await store.getIncidentItem(req.incidentId), c.logger);
  // Ingest may have stored a count already (plain repeats move it forward): never store fewer,
  // or this write would lose to it and retry.
  const summary = { ...counted, occurrences: Math.max(counted.occurrences, prior?.occurrences ?? 0) };
  const windowMs = policy.correlationWindowSeconds * 1000;

  // Evidence: the request's snapshot, else what the incident already had (e.g. a pressure event has no pod).
  const eventPod = o.snapshot.pod ?? prior?.snapshot.pod;
  const eventNode = o.snapshot.node ?? prior?.snapshot.node;
  const containerName = o.container?.name ?? o.eviction?.containers.find((x) => x.usageBytes !== undefined)?.name ?? prior?.container;
  const enriched = await enrich(c.k8s, o, { pod: eventPod, node: eventNode }, { cluster: c.cluster, container: containerName });
  const container = enriched.pod?.containers.find((x) => x.name === containerName) ?? enriched.pod?.containers.find((x) => x.type === "regular");
  const evictionUsage = o.eviction?.containers.find((x) => x.name === container?.name)?.usageBytes;

  const ctx: AnalysisContext = {
    kind: summary.kind,
    occurrence: o,
    pod: enriched.pod,
    node: enriched.node,
    container,
    usageBytes: evictionUsage ?? enriched.containerUsage,
    occurrences: summary.occurrences,
    policy,
  };
  let related: Related[] = [];
  if (summary.kind === "ContainerOOM") {
    ctx.oomsInWindow = summary.oomsInWindow;
    const hit = await nodeOomNear(store, o.cluster, summary, o.occurredAt, windowMs);
    ctx.nodeOom = hit?.nodeOom;
    if (hit) related = [{ incidentId: hit.nodeOom.incidentId, occurrenceKey: hit.occurrenceKey }];
  } else if (summary.kind === "NodeOOM") {
    const { victims, entries } = await victimsOf(store, o.cluster, summary, windowMs);
    ctx.victims = victims;
    related = entries.map((e) => ({ incidentId: e.incidentId, occurrenceKey: e.key }));
  } else {
    ctx.evictedPods = summary.evictedPods;
    if (summary.kind === "PodEviction") {
      // Bounded at the threshold: an unbounded count read every eviction in the window, per analysis.
      const [evictions] = await store.clusterEvictionsNear(o.cluster, [summary.lastSeen], policy.massEviction);
      ctx.clusterEvictionsInWindow = evictions?.count ?? 0;
      if (evictions?.capped) ctx.clusterEvictionsCapped = true;
    }
  }

  Object.assign(ctx, memoryEvidence(ctx));
  const warnedAt = await warnedAtFor(store, ctx, prior, policy);

  const classification = classify(ctx);
  const diagnosis = diagnose(ctx);
  const built = buildIncident({
    id: req.incidentId,
    groupKey: groupOf(o).key,
    ctx,
    summary,
    classification,
    diagnosis,
    recommendation: recommend(ctx, diagnosis.causes),
    enriched,
    prior,
    warnedAt,
    now: c.now(),
  });
  // Only the opening analysis looks for the group's earlier incidents; later ones keep its answer.
  const incident = prior ? built : await withPrevious(store.doc, store.tableName, built);

  // Same revision and level as the last NotifyRequest: a repeat of that analysis, so the same change.
  const change: NotifyRequest["change"] =
    mark && mark.revision === incident.occurrences && mark.level === incident.level
      ? mark.change
      : !prior
        ? "new"
        : incident.level > prior.level
          ? "escalated"
          : "repeat";
  const lastNotify = { revision: incident.occurrences, level: incident.level, change };
  if (!(await writeIncident(store.doc, store.tableName, incident, { lastNotify }))) return { lost: true, occurrences: incident.occurrences };

  const notify: NotifyRequest = { version: 1, incidentId: incident.id, change, revision: incident.occurrences, incident };
  await c.sqs.send(new SendMessageCommand({ QueueUrl: c.notifyQueueUrl, MessageBody: JSON.stringify(notify) }));
  if (related.length > 0) await reanalyzeRelated(c, incident, related.filter((r) => r.incidentId !== incident.id));
  c.logger?.info("incident analyzed", {
    incidentId: incident.id,
    kind: incident.kind,
    level: incident.level,
    change,
    causes: incident.diagnosis.causes,
    enrichment: incident.enrichment,
  });
  return { status: "analyzed", incident, change, first: !prior };
}

/** An incident linked by correlation, and the occurrence of it that the node log linked. */
interface Related {
  incidentId: string;
  occurrenceKey: string;
}

/**
 * Correlation works from both sides: a node OOM re-analyses its victims' incidents
 * (so they become `partOf` it), and a victim re-analyses the node OOM incident (so it
 * lists the victim), unless the other side already shows the link. The re-analysis
 * request carries the linked occurrence (its marker keeps the body): one read, not a
 * read of every member of the other incident.
 */
async function reanalyzeRelated(c: AnalyzeContext, incident: Incident, related: Related[]): Promise<void> {
  if (!c.analyzeQueueUrl) return;
  const seen = new Set<string>();
  for (const { incidentId: id, occurrenceKey } of related) {
    if (seen.has(id)) continue;
    seen.add(id);
    const item = await c.store.getIncidentItem(id);
    if (item && linked(item, incident)) continue;
    const marker = await c.store.getOccurrence(occurrenceKey);
    if (!marker) continue;
    const occurrence: Occurrence = OccurrenceSchema.parse(JSON.parse(marker.body));
    const req: AnalyzeRequest = { version: 1, incidentId: id, trigger: "correlation", occurrence };
    await c.sqs.send(new SendMessageCommand({ QueueUrl: c.analyzeQueueUrl, MessageBody: JSON.stringify(req) }));
  }
}

/** Whether the stored `other` incident already reflects its link with `incident`. */
function linked(other: Record<string, unknown>, incident: Incident): boolean {
  if (incident.kind === "NodeOOM") return (other.partOf as { incidentId?: string } | undefined)?.incidentId === incident.id;
  const victims = (other.victims ?? []) as { namespace?: string; pod?: string; container?: string; incidentId?: string }[];
  return victims.some(
    (v) => v.incidentId === incident.id && v.namespace === incident.namespace && incident.pods.includes(v.pod ?? "") && v.container === incident.container,
  );
}
