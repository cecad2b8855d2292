/**
 * Before touching Slack, a batch is planned: malformed records are poison, and
 * of several requests for one incident only the newest revision is processed
 * (the parent shows the latest state anyway), so a storm makes a few posts.
 */
import type { SQSRecord } from "aws-lambda";
import { parseRecordBody } from "../../shared/record-body.ts";
import { NotifyRequestSchema, type NotifyRequest } from "../../shared/schema/incident.ts";

export type RecordPlan =
  | { action: "notify"; request: NotifyRequest }
  | { action: "superseded"; incidentId: string; by: string }
  | { action: "poison"; code: "INVALID_JSON" | "SCHEMA"; reason: string };

function parse(record: SQSRecord): RecordPlan {
  const parsed = parseRecordBody(record.body, NotifyRequestSchema);
  return parsed.ok ? { action: "notify", request: parsed.value } : { action: "poison", code: parsed.code, reason: parsed.reason };
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
