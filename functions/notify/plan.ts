/**
 * Before touching Slack, a batch is planned: malformed records are poison, and
 * of several requests for one incident only the newest revision is processed
 * (the parent shows the latest state anyway), so a storm makes a few posts.
 */
import type { SQSRecord } from "aws-lambda";
import { NotifyRequestSchema, type NotifyRequest } from "../../shared/schema/incident.ts";

export type RecordPlan =
  | { action: "notify"; request: NotifyRequest }
  | { action: "superseded"; incidentId: string; by: string }
  | { action: "poison"; code: "INVALID_JSON" | "SCHEMA"; reason: string };

function parse(record: SQSRecord): RecordPlan {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch (e) {
    return { action: "poison", code: "INVALID_JSON", reason: e instanceof Error ? e.message : "not JSON" };
  }
  const parsed = NotifyRequestSchema.safeParse(body);
  if (!parsed.success) {
    const reason = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
      .join("; ");
    return { action: "poison", code: "SCHEMA", reason };
  }
  return { action: "notify", request: parsed.data };
}

/**
 * Newer wins: higher revision, then a resolution (it carries the same revision as the last
 * analysis and is always the later state), then higher level, then more node-OOM victims,
 * then later in the batch.
 */
function newer(a: NotifyRequest, b: NotifyRequest): boolean {
  if (a.revision !== b.revision) return a.revision > b.revision;
  if ((a.change === "resolved") !== (b.change === "resolved")) return a.change === "resolved";
  if (a.incident.level !== b.incident.level) return a.incident.level > b.incident.level;
  return a.incident.victims.length >= b.incident.victims.length;
}

export function planBatch(records: SQSRecord[]): Map<string, RecordPlan> {
  const plans = new Map(records.map((r) => [r.messageId, parse(r)] as const));
  const newest = new Map<string, { messageId: string; request: NotifyRequest }>();
  for (const [messageId, plan] of plans) {
    if (plan.action !== "notify") continue;
    const best = newest.get(plan.request.incidentId);
    if (!best || newer(plan.request, best.request)) newest.set(plan.request.incidentId, { messageId, request: plan.request });
  }
  for (const [messageId, plan] of plans) {
    if (plan.action !== "notify") continue;
    const best = newest.get(plan.request.incidentId)!;
    if (best.messageId !== messageId) plans.set(messageId, { action: "superseded", incidentId: plan.request.incidentId, by: best.messageId });
  }
  return plans;
}
