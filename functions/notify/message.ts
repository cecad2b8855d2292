/**
 * The Slack messages of an incident (Block Kit + fallback text): the parent
 * message an on-call engineer reads first, and the thread replies for repeats
 * and escalations. Every string that comes from the cluster is escaped
 * (mrkdwn.ts); every text stays inside Slack's limits (limits.ts).
 */
import type { KnownBlock, SectionBlock } from "@slack/web-api";
import { formatBytes } from "../../shared/quantity.ts";
import { redact } from "../../shared/redact.ts";
import { responseMinutes, type Incident, type Level, type PartOf } from "../../shared/schema/incident.ts";
import type { IncidentKind } from "../../shared/schema/occurrence.ts";
import { stepsFor, type FilledStep } from "../../shared/runbooks/fill.ts";
import { runbookDocPath } from "../../shared/runbooks/runbooks.ts";
import { causeLabel } from "./cause-labels.ts";
import { resolvedAfterMinutes } from "./severity-event.ts";
import { memoryLines } from "./memory-lines.ts";
import { previousIncidentLine } from "../../shared/domain/previous-incident.ts";
import { cutMrkdwn, fitBlocks, SLACK_LIMITS } from "./limits.ts";
import { codeBlock, codeSpan, escapeMrkdwn, escapeWithin, link, slackDate } from "./mrkdwn.ts";
import type { Route } from "./routing.ts";

export interface SlackMessage {
  /** Fallback text: notifications, screen readers, clients without blocks. */
  text: string;
  blocks: KnownBlock[];
}

export interface MessageOptions {
  /** Base URL of docs/runbooks (RUNBOOK_BASE_URL); without one the messages carry no runbook link. */
  runbookBaseUrl?: string;
  route: Route;
  /** Set when the routed channel did not exist and the message went to the default channel. */
  missingChannel?: string;
  /** The ops copy of a Level 3 incident (shorter: no recommendation details). */
  role?: "owner" | "ops";
  /** A node-OOM victim that had its own parent before the correlation was known: where it now belongs. */
  partOf?: PartOfNote;
}

/** The node OOM incident a victim is part of, and a link to the victim's reply in that incident's thread. */
export type PartOfNote = Omit<PartOf, "kind"> & {
  /** Permalink of the reply in the node incident's thread (configuration-free: from Slack). */
  url?: string;
};

export const KIND_LABEL: Readonly<Record<IncidentKind, string>> = {
  ContainerOOM: "Container OOM",
  PodEviction: "Pod eviction",
  NodeMemoryPressure: "Node memory pressure",
  NodeOOM: "Node OOM",
  MemoryNearLimit: "Memory near limit",
  NodeMemoryHigh: "Node memory high",
};
const LEVEL_EMOJI: Readonly<Record<Level, string>> = { 0: ":large_blue_circle:", 1: ":large_yellow_circle:", 2: ":large_orange_circle:", 3: ":red_circle:" };

const MAX_LIST = 5;
const mrkdwn = (text: string): SectionBlock => ({ type: "section", text: { type: "mrkdwn", text: cutMrkdwn(text, SLACK_LIMITS.sectionText) } });
const context = (...parts: string[]): KnownBlock => ({
  type: "context",
  elements: parts.slice(0, SLACK_LIMITS.contextElements).map((t) => ({ type: "mrkdwn" as const, text: cutMrkdwn(t, SLACK_LIMITS.sectionText) })),
});
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** `a, b, c and 997 more`, each escaped as code. */
function shortList(items: string[], max = MAX_LIST): string {
  const shown = items.slice(0, max).map((i) => codeSpan(i, 120));
  const rest = items.length - shown.length;
  return rest > 0 ? `${shown.join(", ")} and ${rest} more` : shown.join(", ");
}

/**
 * Link to docs/runbooks/level-N.md under RUNBOOK_BASE_URL (which points at docs/runbooks);
 * undefined when none is configured: a made-up address would send the on-call engineer nowhere.
 */
export const runbookUrl = (base: string | undefined, level: Level): string | undefined =>
  base ? `${base.replace(/\/$/, "")}/level-${level}.md` : undefined;

/** `Level N runbook` as a link when a base URL is configured, plain text otherwise. */
export function runbookRef(base: string | undefined, level: Level, label = `Level ${level} runbook`): string {
  const url = runbookUrl(base, level);
  return url ? link(url, label) : label;
}

/** How many runbook steps the parent shows; the first thread reply has them all. */
const PARENT_STEPS = 3;

const workloadName = (i: Incident) => (i.workload ? `${i.workload.kind.toLowerCase()}/${i.workload.name}` : undefined);

/**
 * What the incident is about, for the header and the fallback text (raw, unescaped): the node,
 * or namespace/kind/workload, then `/container` with `withContainer` (the Level 0 heads-up).
 */
export function subject(i: Incident, withContainer = false): string {
  const wl = workloadName(i);
  if (i.kind === "NodeOOM" || i.kind === "NodeMemoryPressure" || i.kind === "NodeMemoryHigh" || !wl) return i.node ? `node ${i.node}` : (i.namespace ?? i.cluster);
  const s = i.namespace ? `${i.namespace}/${wl}` : wl;
  return withContainer && i.container ? `${s}/${i.container}` : s;
}

/** The numbers that back the one-line summary, as mrkdwn. */
function numbers(i: Incident): string[] {
  const f = i.facts;
  const node = i.snapshot.node;
  const out: string[] = [];
  if (f.limitBytes !== undefined) out.push(`limit *${formatBytes(f.limitBytes)}*`);
  if (f.requestBytes !== undefined) out.push(`request *${formatBytes(f.requestBytes)}*`);
  if (f.usageBytes !== undefined) out.push(`usage seen *${formatBytes(f.usageBytes)}*`);
  if (f.restarts !== undefined) out.push(`*${plural(f.restarts, "restart")}*`);
  if (f.evictions !== undefined && i.kind !== "PodEviction") out.push(`*${plural(f.evictions, "eviction")}*`);
  if (f.exitCode !== undefined) out.push(`exit code ${f.exitCode}`);
  if (node?.allocatable.memory !== undefined) out.push(`node allocatable ${formatBytes(node.allocatable.memory)}`);
  if (node?.podLimits.memory !== undefined && node.allocatable.memory) {
    out.push(`pod limits ${formatBytes(node.podLimits.memory)} (${Math.round((node.podLimits.memory / node.allocatable.memory) * 100)}% of allocatable)`);
  }
  if (node?.usage?.memory !== undefined) out.push(`node usage ${formatBytes(node.usage.memory)}`);
  return out;
}

/** What happened, in one sentence with numbers (mrkdwn, escaped). */
export function whatHappened(i: Incident): string {
  const node = i.node ? codeSpan(i.node) : "a node";
  const wl = workloadName(i);
  const times = i.occurrences > 1 ? ` ${i.occurrences} times` : "";
  let lead: string;
  switch (i.kind) {
    case "ContainerOOM":
      if (i.partOf) {
        const on = i.partOf.node ? codeSpan(i.partOf.node) : node;
        lead = `Container ${codeSpan(i.container ?? "?")}${wl ? ` of ${codeSpan(wl)}` : ""}${i.namespace ? ` in ${codeSpan(i.namespace)}` : ""} was killed${times} by the node OOM on ${on} (the node ran out of memory)`;
        break;
      }
      lead = `Container ${codeSpan(i.container ?? "?")}${wl ? ` of ${codeSpan(wl)}` : ""}${i.namespace ? ` in ${codeSpan(i.namespace)}` : ""} was OOM killed${times} (it hit its memory limit)`;
      break;
    case "PodEviction": {
      const n = i.facts.evictions ?? i.occurrences;
      lead = `${plural(n, "pod")}${wl ? ` of ${codeSpan(wl)}` : ""} evicted from ${node} because the node ran low on memory`;
      break;
    }
    case "NodeMemoryPressure":
      lead = `Node ${node} reports MemoryPressure: the kubelet is short of memory and evicts pods`;
      break;
    case "NodeOOM":
      lead = `The kernel OOM killer ran on ${node}${i.facts.process ? ` and killed ${codeSpan(i.facts.process)}` : ""}${times}`;
      break;
    case "MemoryNearLimit":
      lead = `Container ${codeSpan(i.container ?? "?")}${wl ? ` of ${codeSpan(wl)}` : ""} is close to its memory limit`;
      break;
    case "NodeMemoryHigh":
      lead = `Node ${node} is close to running out of allocatable memory`;
      break;
  }
  const nums = numbers(i);
  return nums.length ? `${lead}: ${nums.join(", ")}.` : `${lead}.`;
}

function fieldsBlock(i: Incident): KnownBlock {
  const pod = i.snapshot.pod;
  const fields: Array<[string, string | undefined]> = [
    ["Cluster", codeSpan(i.cluster)],
    ["Namespace", i.namespace ? codeSpan(i.namespace) : undefined],
    ["Workload", workloadName(i) ? codeSpan(workloadName(i)!) : undefined],
    ["Container", i.container ? codeSpan(i.container) : undefined],
    ["Node", i.node ? codeSpan(i.node) : undefined],
    ["Pods", i.pods.length ? `${i.pods.length}: ${shortList(i.pods, 3)}` : undefined],
    ["QoS / priority", pod?.qosClass ? `${pod.qosClass}${pod.priorityClassName ? ` / ${codeSpan(pod.priorityClassName)}` : ""}` : undefined],
  ];
  return {
    type: "section",
    fields: fields
      .filter((f): f is [string, string] => f[1] !== undefined)
      .map(([k, v]) => ({ type: "mrkdwn" as const, text: cutMrkdwn(`*${k}*\n${v}`, SLACK_LIMITS.fieldText) })),
  };
}

/** Parent: the summary and the first causes; the thread has nothing more to add here. */
function diagnosisBlock(i: Incident, maxCauses = 8): KnownBlock {
  const causes = i.diagnosis.causes.slice(0, maxCauses).map((c) => {
    const label = causeLabel(c);
    return `• ${codeSpan(c, 100)}${label ? ` ${label}` : ""}`;
  });
  const more = i.diagnosis.causes.length > maxCauses ? [`• and ${i.diagnosis.causes.length - maxCauses} more`] : [];
  return mrkdwn(["*Diagnosis*", escapeWithin(i.diagnosis.summary, maxCauses < 8 ? 300 : 1200), ...causes, ...more].join("\n"));
}

/** `compact` (the parent): the summary and the numbers to set; the basis stays in the thread. */
function recommendationBlock(i: Incident, compact = false): KnownBlock | undefined {
  const r = i.recommendation;
  if (!r) return undefined;
  const lines = ["*Recommendation*", escapeWithin(r.summary, compact ? 200 : 600)];
  const change = (what: string, from?: number, to?: number) => {
    if (to === undefined) return;
    lines.push(`• memory ${what}: ${from !== undefined ? `${formatBytes(from)} → ` : ""}*${formatBytes(to)}*`);
  };
  change("request", r.current.requestBytes, r.proposed.requestBytes);
  change("limit", r.current.limitBytes, r.proposed.limitBytes);
  if (r.resultingQos) lines.push(`• resulting QoS: ${r.resultingQos}`);
  for (const [k, v] of Object.entries(r.settings).slice(0, compact ? 2 : 6)) lines.push(`• set ${codeSpan(`${k}=${v}`, compact ? 120 : 200)}`);
  if (!compact && r.basis.length) lines.push(`_Basis: ${r.basis.slice(0, 4).map((b) => escapeWithin(b, 200)).join("; ")}_`);
  return mrkdwn(lines.join("\n"));
}

/** Node OOM victims, top pods of the node, or the other evicted pods: who else is involved. */
function involvedBlock(i: Incident, max = MAX_LIST): KnownBlock | undefined {
  const lines: string[] = [];
  if (i.victims.length) {
    const names = i.victims.map((v) => `${v.namespace}/${v.pod}${v.container ? ` (${v.container})` : ""}`);
    lines.push(`*Killed on the node:* ${shortList(names, max)}`);
  }
  const top = i.snapshot.node?.topPods ?? [];
  if (top.length && i.kind !== "ContainerOOM") {
    const rows = top.slice(0, max).map((p) => {
      const used = p.usage?.memory !== undefined ? `uses ${formatBytes(p.usage.memory)}` : "usage unknown";
      const req = p.requests.memory !== undefined ? `requests ${formatBytes(p.requests.memory)}` : "no request";
      return `• ${codeSpan(`${p.namespace}/${p.name}`, 120)} ${used}, ${req}${p.qosClass ? ` (${escapeMrkdwn(p.qosClass)})` : ""}`;
    });
    lines.push("*Largest pods on the node*", ...rows);
  }
  return lines.length ? mrkdwn(lines.join("\n")) : undefined;
}

/** Lines of the previous container's log the reply shows (the forwarder captured more, redacted). */
const LOG_TAIL_LINES = 15;

/** The last event message and the previous container's log tail, as code blocks (the thread's evidence). */
function evidenceBlocks(i: Incident): KnownBlock[] {
  const out: KnownBlock[] = [];
  if (i.lastMessage) out.push(mrkdwn(`*Last event message*\n${codeBlock(i.lastMessage, 600)}`));
  const tail = i.snapshot.pod?.logTail;
  // Redacted again before Slack: a record from an older forwarder or edited by hand must not post a secret.
  if (tail?.length) out.push(mrkdwn(`*Last log lines of the killed container*\n${codeBlock(tail.slice(-LOG_TAIL_LINES).map(redact).join("\n"), 1500)}`));
  return out;
}

function leadBlock(i: Incident, opts: MessageOptions): KnownBlock {
  const parts = [`*Respond within ${responseMinutes(i.level)} min* · ${runbookRef(opts.runbookBaseUrl, i.level)}`];
  if (opts.route.mention) parts[0] = `${opts.route.mention} ${parts[0]}`;
  if (i.status === "resolved") parts.unshift(`:white_check_mark: *${resolvedSummary(i)}*`);
  if (i.escalation.from !== undefined) {
    const reasons = i.escalation.reasons.map((r) => escapeWithin(r, 300)).join("; ");
    parts.push(`:arrow_double_up: Escalated from Level ${i.escalation.from}${reasons ? `: ${reasons}` : ""}`);
  }
  parts.push(whatHappened(i), ...memoryLines(i));
  const previous = previousIncidentLine(i);
  if (previous) parts.push(`:repeat: ${escapeMrkdwn(previous)}`);
  if (opts.partOf) parts.push(partOfLine(opts.partOf));
  if (opts.missingChannel) {
    parts.push(`_Routed to ${escapeMrkdwn(opts.missingChannel)}, which was not found: posted here instead. Check the \`oomwatch.io/slack-channel\` annotation or SLACK_CHANNEL_MAP._`);
  }
  if (i.enrichment === "event-time-only") {
    parts.push(`_Live cluster data unavailable${i.enrichmentError ? ` (${escapeWithin(i.enrichmentError, 200)})` : ""}; figures are from event time._`);
  }
  return mrkdwn(parts.join("\n"));
}

function stepBlock(step: FilledStep, n: number): KnownBlock {
  const cmds = step.commands.map((c) => (c.where === "node" ? `${c.run}   # on the node` : c.run)).join("\n");
  return mrkdwn(`*${n}. ${escapeMrkdwn(step.title)}*\n${escapeWithin(step.detail, 600)}${cmds ? `\n${codeBlock(cmds, 2200)}` : ""}`);
}

/** The parent's first steps: titles and commands with the real names, no explanations (those are in the thread). */
function firstStepsBlock(i: Incident): KnownBlock | undefined {
  const { steps } = stepsFor(i);
  if (!steps.length) return undefined;
  const lines = [`*First steps* (the whole runbook is in the thread)`];
  for (const [n, step] of steps.slice(0, PARENT_STEPS).entries()) {
    // One command per step keeps the parent on one screen; the reply has every command.
    const cmd = step.commands[0];
    const run = cmd ? (cmd.where === "node" ? `${cmd.run}   # on the node` : cmd.run) : undefined;
    // Cut long commands (jsonpath queries): the reply has them whole.
    lines.push(`${n + 1}. ${escapeMrkdwn(step.title)}${run ? `\n${codeBlock(run, 160)}` : ""}`);
  }
  return mrkdwn(lines.join("\n"));
}

function runbookBlocks(i: Incident, opts: Pick<MessageOptions, "runbookBaseUrl">): KnownBlock[] {
  const { runbook, steps, omitted } = stepsFor(i);
  const out: KnownBlock[] = [
    mrkdwn(`*Runbook · Level ${runbook.level}: ${escapeMrkdwn(runbook.title)}* (respond within ${runbook.responseMinutes} min)\n${escapeWithin(runbook.meaning, 800)}`),
    ...steps.map((s, n) => stepBlock(s, n + 1)),
  ];
  const url = runbookUrl(opts.runbookBaseUrl, i.level);
  if (url) out.push(context(`${omitted ? `${omitted} more steps in ` : "Full runbook: "}${link(url, runbookDocPath(i.level))}`));
  else if (omitted) out.push(context(`${omitted} more steps in ${codeSpan(runbookDocPath(i.level))}`));
  return out;
}

function header(i: Incident): KnownBlock {
  const text = `${LEVEL_EMOJI[i.level]} Level ${i.level} · ${KIND_LABEL[i.kind]} · ${subject(i)}`;
  return { type: "header", text: { type: "plain_text", text: text.length > SLACK_LIMITS.headerText ? `${text.slice(0, SLACK_LIMITS.headerText - 1)}…` : text, emoji: true } };
}

function fallback(i: Incident, prefix = ""): string {
  const text = `${prefix}Level ${i.level} ${KIND_LABEL[i.kind]} in ${i.cluster}: ${escapeMrkdwn(subject(i))}. ${whatHappened(i)} Respond within ${responseMinutes(i.level)} min.`;
  return cutMrkdwn(text, 3000);
}

/** `Resolved after 42 min, 5 occurrences` (from the first occurrence to the resolution). */
export function resolvedSummary(i: Incident): string {
  return `Resolved after ${resolvedAfterMinutes(i)} min, ${plural(i.occurrences, "occurrence")}`;
}

/** The one thread reply that says the incident is over. */
export function resolvedReply(i: Incident): SlackMessage {
  const line = `:white_check_mark: *${resolvedSummary(i)}.* No occurrence since ${slackDate(i.lastSeen)}; the next one opens a new incident.`;
  return { text: cutMrkdwn(`${resolvedSummary(i)}: Level ${i.level} ${KIND_LABEL[i.kind]} ${escapeMrkdwn(subject(i))}`, 3000), blocks: [mrkdwn(line)] };
}

/** Causes, pods and victims the parent lists before "and N more". */
const PARENT_LIST = 3;

/**
 * A parent fits one screen: at most this many characters of text (mrkdwn markup included, so
 * what Slack shows is shorter). The runbook reply in the thread carries everything left out.
 */
const PARENT_MAX_CHARS = 2000;

/** The text a block carries (header, section text and fields, context elements). */
function blockText(b: KnownBlock): string {
  const parts: string[] = [];
  if ("text" in b && b.text && typeof b.text === "object" && "text" in b.text) parts.push(String(b.text.text));
  if ("fields" in b && Array.isArray(b.fields)) for (const f of b.fields) parts.push(String(f.text));
  if (b.type === "context") for (const e of b.elements) if ("text" in e) parts.push(String(e.text));
  return parts.join("\n");
}

const textLength = (blocks: readonly KnownBlock[]) => blocks.reduce((n, b) => n + blockText(b).length + 1, 0);

/**
 * The parent message of an incident (posted once, then updated in place). It fits one
 * screen (≤ 2,000 visible characters): what, where, level and response time, diagnosis,
 * recommendation and the first runbook steps; the full runbook and the evidence are in
 * the first thread reply (runbookReply), so the facts that matter do not scroll away.
 */
export function parentMessage(i: Incident, opts: MessageOptions): SlackMessage {
  const ops = opts.role === "ops";
  // In the order shown; `drop` is the order in which parts give way when the message is too long.
  const parts: Record<string, KnownBlock | undefined> = {
    header: header(i),
    lead: leadBlock(i, opts),
    fields: fieldsBlock(i),
    diagnosis: diagnosisBlock(i, PARENT_LIST),
    recommendation: ops ? undefined : recommendationBlock(i, true),
    involved: involvedBlock(i, PARENT_LIST),
    when: context(
      `*Occurrences:* ${i.occurrences}`,
      `*First seen:* ${slackDate(i.firstSeen)}`,
      `*Last seen:* ${slackDate(i.lastSeen)}`,
      `incident ${codeSpan(i.id, 100)}`,
    ),
    steps: firstStepsBlock(i),
  };
  const present = () => Object.values(parts).filter((b): b is KnownBlock => b !== undefined);
  // First shorten what can run long (escalation reasons, a diagnosis summary), then leave parts out.
  for (const [part, max] of [["diagnosis", 400], ["lead", 900]] as const) {
    const b = parts[part];
    if (textLength(present()) <= PARENT_MAX_CHARS) break;
    if (b?.type === "section" && b.text) parts[part] = { ...b, text: { ...b.text, text: cutMrkdwn(b.text.text, max) } };
  }
  const drop = ["fields", "recommendation", "when", "involved"];
  for (const part of drop) {
    if (textLength(present()) <= PARENT_MAX_CHARS) break;
    parts[part] = undefined;
  }
  const mention = opts.route.mention ? `${opts.route.mention} ` : "";
  return { text: fallback(i, mention), blocks: fitBlocks(present()) };
}

/**
 * The first thread reply of an incident (posted once): the whole runbook for its level
 * and cause with the real names, the full recommendation and the evidence (last event
 * message, the previous container's log tail).
 */
export function runbookReply(i: Incident, opts: Pick<MessageOptions, "runbookBaseUrl">): SlackMessage {
  const rec = recommendationBlock(i);
  const blocks: Array<KnownBlock | undefined> = [...runbookBlocks(i, opts), rec ? { type: "divider" } : undefined, rec, ...evidenceBlocks(i)];
  const text = `Runbook for Level ${i.level} ${KIND_LABEL[i.kind]}: ${escapeMrkdwn(subject(i))}`;
  return { text: cutMrkdwn(text, 3000), blocks: fitBlocks(blocks.filter((b): b is KnownBlock => b !== undefined)) };
}

function partOfLine(p: PartOfNote): string {
  const where = `node OOM${p.node ? ` on ${codeSpan(p.node)}` : ""} (incident ${codeSpan(p.incidentId, 100)})`;
  return `:link: *Part of the ${where}*: follow the node incident${p.url ? ` ${link(p.url, "thread")}` : "'s thread"}; this message is no longer the place to respond.`;
}

/**
 * A node-OOM victim's message: a reply in the node OOM incident's thread instead of a
 * parent of its own (one Level 3 incident per node OOM). Updated in place on repeats.
 */
export function victimReply(i: Incident, opts: { runbookBaseUrl?: string | undefined; mention?: string }): SlackMessage {
  const where = i.partOf?.node ? ` on ${codeSpan(i.partOf.node)}` : "";
  const head = `:link: *Killed by this node OOM${where}* · Level ${i.level} ${KIND_LABEL[i.kind]} · ${codeSpan(subject(i))}${opts.mention ? ` · ${opts.mention}` : ""}`;
  const blocks: Array<KnownBlock | undefined> = [
    mrkdwn(`${head}\n${whatHappened(i)}`),
    diagnosisBlock(i),
    recommendationBlock(i),
    context(
      `*Occurrences:* ${i.occurrences}`,
      `*First seen:* ${slackDate(i.firstSeen)}`,
      `*Last seen:* ${slackDate(i.lastSeen)}`,
      `incident ${codeSpan(i.id, 100)}`,
      runbookRef(opts.runbookBaseUrl, i.level),
    ),
  ];
  const text = `Killed by the node OOM${i.partOf?.node ? ` on ${escapeMrkdwn(i.partOf.node)}` : ""}: Level ${i.level} ${KIND_LABEL[i.kind]} in ${i.cluster}: ${escapeMrkdwn(subject(i))}. ${whatHappened(i)}`;
  return { text: cutMrkdwn(text, 3000), blocks: fitBlocks(blocks.filter((b): b is KnownBlock => b !== undefined)) };
}

/** A thread reply for a repeat or an escalation; the parent is updated separately. */
export function threadReply(i: Incident, change: "repeat" | "escalated", previousLevel?: Level): SlackMessage {
  const lines: string[] = [];
  if (change === "escalated" || (previousLevel !== undefined && previousLevel < i.level)) {
    const reasons = i.escalation.reasons.map((r) => escapeWithin(r, 300)).join("; ");
    lines.push(`:arrow_double_up: *Escalated to Level ${i.level}*${previousLevel !== undefined ? ` (was Level ${previousLevel})` : ""}${reasons ? `: ${reasons}` : ""}`);
    lines.push(`Respond within ${responseMinutes(i.level)} min. The message above now shows the Level ${i.level} first steps; the runbook reply at the top of this thread has them all.`);
  } else {
    lines.push(`:repeat: *Again:* ${plural(i.occurrences, "occurrence")} now, last seen ${slackDate(i.lastSeen)}.`);
  }
  lines.push(whatHappened(i));
  const blocks: KnownBlock[] = [mrkdwn(lines.join("\n"))];
  if (i.lastMessage) blocks.push(mrkdwn(codeBlock(i.lastMessage, 600)));
  return { text: cutMrkdwn(lines.join(" "), 3000), blocks: fitBlocks(blocks) };
}
