/**
 * The Level 0 heads-up (MemoryNearLimit, NodeMemoryHigh): one short message to the owner channel,
 * edited in place as newer warnings arrive, never a page (no mention, no response time, no ops
 * copy, no thread replies). The current %, the trend and the time to the limit at this rate come
 * from the incident's trace (memory-lines.ts); the diagnosis and the runbook link follow.
 */
import type { KnownBlock } from "@slack/web-api";
import type { Incident } from "../../shared/schema/incident.ts";
import { causeLabel } from "./cause-labels.ts";
import { cutMrkdwn, fitBlocks, SLACK_LIMITS } from "./limits.ts";
import { currentState, sparklineLine } from "./memory-lines.ts";
import { KIND_LABEL, type MessageOptions, resolvedSummary, runbookRef, type SlackMessage, subject, whatHappened } from "./message.ts";
import { codeSpan, escapeMrkdwn, escapeWithin, slackDate } from "./mrkdwn.ts";

export function earlyWarningMessage(i: Incident, opts: MessageOptions): SlackMessage {
  const state = currentState(i);
  const spark = sparklineLine(i);
  const head = `:large_blue_circle: *Heads-up (Level 0, no page)* · ${KIND_LABEL[i.kind]} · ${codeSpan(subject(i, true), 200)}`;
  const lines = [head, whatHappened(i)];
  if (i.status === "resolved") lines.unshift(`:white_check_mark: *${resolvedSummary(i)}*`);
  if (state) lines.push(`*Now:* ${escapeMrkdwn(state)}`);
  if (spark) lines.push(spark);
  const causes = i.diagnosis.causes.map((c) => `${codeSpan(c, 100)}${causeLabel(c) ? ` ${causeLabel(c)}` : ""}`);
  if (causes.length) lines.push(`*Why:* ${causes.slice(0, 3).join("; ")}`);
  if (i.recommendation) lines.push(`*Do:* ${escapeWithin(i.recommendation.summary, 400)}`);
  if (opts.missingChannel) lines.push(`_Routed to ${escapeMrkdwn(opts.missingChannel)}, which was not found: posted here instead._`);
  const blocks: KnownBlock[] = [
    { type: "section", text: { type: "mrkdwn", text: cutMrkdwn(lines.join("\n"), SLACK_LIMITS.sectionText) } },
    {
      type: "context",
      elements: [
        `*Warnings:* ${i.occurrences}`,
        `*Since:* ${slackDate(i.warnedAt ?? i.firstSeen)}`,
        `*Last:* ${slackDate(i.lastSeen)}`,
        `incident ${codeSpan(i.id, 100)} · ${runbookRef(opts.runbookBaseUrl, 0)}`,
      ].map((text) => ({ type: "mrkdwn" as const, text })),
    },
  ];
  const text = `Heads-up (Level 0): ${KIND_LABEL[i.kind]} in ${i.cluster}: ${escapeMrkdwn(subject(i))}.${state ? ` ${escapeMrkdwn(state)}.` : ""}`;
  return { text: cutMrkdwn(text, 3000), blocks: fitBlocks(blocks) };
}
