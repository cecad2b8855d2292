/**
 * `oomwatch incidents show ID` for humans: the whole incident record in
 * sections. Every value that came from the cluster is untrusted and cleaned.
 */
import { formatBytes } from "../../shared/quantity.ts";
import { redact } from "../../shared/redact.ts";
import { responseMinutes, type Incident } from "../../shared/schema/incident.ts";
import type { ContainerSnapshot, NodeSnapshot, PodSnapshot, Resources } from "../../shared/schema/occurrence.ts";
import type { Member } from "../../shared/domain/members.ts";
import { clean, longTime } from "./text.ts";
import { previousIncidentLine } from "../../shared/domain/previous-incident.ts";
import { warningLeadSeconds } from "../../shared/memory/incident-chart.ts";
import { formatDuration, sparkline } from "../../shared/memory/sparkline.ts";

type Lines = string[];

const LABEL_WIDTH = 14;

/** `  Label         value` (skipped when the value is empty). */
function field(out: Lines, label: string, value: string | number | undefined, indent = "  "): void {
  if (value === undefined || value === "") return;
  out.push(`${indent}${label.padEnd(LABEL_WIDTH)}${typeof value === "number" ? value : clean(value)}`);
}

function section(out: Lines, title: string): void {
  out.push("", title);
}

function memory(r: Resources | undefined): string | undefined {
  return r?.memory === undefined ? undefined : formatBytes(r.memory);
}

function mapText(m: Record<string, string>): string {
  return Object.entries(m)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
}

function header(i: Incident, out: Lines): void {
  out.push(clean(`Incident ${i.id} · Level ${i.level} (${i.level === 0 ? "early warning, no page" : `respond within ${responseMinutes(i.level)} min`}) · ${i.kind}`));
  field(out, "Cluster", i.cluster);
  field(out, "Namespace", i.namespace);
  field(out, "Workload", i.workload ? `${i.workload.kind}/${i.workload.name}` : undefined);
  field(out, "Container", i.container);
  field(out, "Node", i.node);
  field(out, "Part of", i.partOf ? `${i.partOf.kind} incident ${i.partOf.incidentId}${i.partOf.node ? ` on node ${i.partOf.node}` : ""}` : undefined);
  field(out, "First seen", longTime(i.firstSeen));
  field(out, "Last seen", longTime(i.lastSeen));
  field(out, "Updated", longTime(i.updatedAt));
  field(out, "Group", i.groupKey);
  field(out, "Previous", previousIncidentLine(i));
}

/** Occurrences listed in full before the rest is summarised (json output has them all). */
export const SHOWN_OCCURRENCES = 30;

function member(m: Member): string {
  const where = m.pod ? `${m.namespace ?? "?"}/${m.pod}${m.container ? ` [${m.container}]` : ""}${m.node ? ` on ${m.node}` : ""}` : `node ${m.node ?? "?"}`;
  const extra = [
    m.qosClass,
    m.priorityClassName,
    m.usageBytes === undefined ? undefined : `using ${formatBytes(m.usageBytes)}`,
    m.process && `process ${m.process}`,
  ].filter(Boolean);
  return clean(`  ${longTime(m.occurredAt)}  ${m.kind}  ${where}${extra.length ? `  (${extra.join(", ")})` : ""}`);
}

function occurrences(i: Incident, members: Member[], out: Lines): void {
  section(out, `Occurrences (${i.occurrences})`);
  const shown = members.slice(-SHOWN_OCCURRENCES);
  if (members.length > shown.length) out.push(`  ... ${members.length - shown.length} earlier occurrence(s) not shown (--format json lists all)`);
  for (const m of shown) out.push(member(m));
  field(out, "Pods", i.pods.join(", "));
  field(out, "Containers", i.containers.join(", "));
  const f = i.facts;
  field(out, "Usage", f.usageBytes === undefined ? undefined : formatBytes(f.usageBytes));
  field(out, "Request", f.requestBytes === undefined ? undefined : formatBytes(f.requestBytes));
  field(out, "Limit", f.limitBytes === undefined ? undefined : formatBytes(f.limitBytes));
  field(out, "Restarts", f.restarts);
  field(out, "Evictions", f.evictions);
  field(out, "Exit code", f.exitCode);
  field(out, "Process", f.process);
  field(out, "Last message", i.lastMessage);
  for (const v of i.victims) {
    out.push(`  victim        ${clean(`${v.namespace}/${v.pod}${v.container ? ` [${v.container}]` : ""}${v.incidentId ? ` (incident ${v.incidentId})` : ""}`)}`);
  }
}

function diagnosis(i: Incident, out: Lines): void {
  section(out, "Diagnosis");
  out.push(`  ${clean(i.diagnosis.summary)}`);
  field(out, "Causes", i.diagnosis.causes.join(", "));
}

/** The memory trace as a sparkline, and when the container was warned (Level 0) before the kill. */
function memoryHistory(i: Incident, out: Lines): void {
  const t = i.memoryTrace;
  const lead = warningLeadSeconds(i);
  if (!t && !i.warnedAt) return;
  section(out, "Memory");
  if (t) {
    field(out, "Trace", sparkline(t) ?? "no samples");
    field(out, "Samples", `${t.samples.length} every ${t.stepSeconds} s (metrics-server)${t.limitBytes ? `, limit ${formatBytes(t.limitBytes)}` : ""}${t.requestBytes ? `, request ${formatBytes(t.requestBytes)}` : ""}`);
  }
  field(out, i.level === 0 ? "Warning since" : "Warned at", i.warnedAt ? `${longTime(i.warnedAt)}${lead !== undefined ? ` (${formatDuration(lead)} before the kill)` : ""}` : undefined);
}

function recommendation(i: Incident, out: Lines): void {
  const r = i.recommendation;
  if (!r) return;
  section(out, "Recommendation");
  out.push(`  ${clean(r.summary)}`);
  field(out, "Container", r.container);
  const change = (label: string, from: number | undefined, to: number | undefined) => {
    if (from === undefined && to === undefined) return;
    field(out, label, `${from === undefined ? "none" : formatBytes(from)} → ${to === undefined ? "unchanged" : formatBytes(to)}`);
  };
  change("Request", r.current.requestBytes, r.proposed.requestBytes);
  change("Limit", r.current.limitBytes, r.proposed.limitBytes);
  field(out, "QoS after", r.resultingQos);
  for (const [k, v] of Object.entries(r.settings)) field(out, "Setting", `${k}=${v}`);
  for (const b of r.basis) out.push(`  - ${clean(b)}`);
}

function escalation(i: Incident, out: Lines): void {
  if (i.escalationHistory.length === 0 && i.escalation.reasons.length === 0) return;
  section(out, "Escalation");
  for (const s of i.escalationHistory) out.push(clean(`  ${longTime(s.at)}  Level ${s.from} → ${s.to}: ${s.reason}`));
  if (i.escalation.from !== undefined) field(out, "Current", `Level ${i.escalation.from} → ${i.level}`);
  for (const r of i.escalation.reasons) out.push(`  - ${clean(r)}`);
}

function container(c: ContainerSnapshot, out: Lines): void {
  const t = c.lastTermination;
  const parts = [
    `request ${memory(c.requests) ?? "none"}`,
    `limit ${memory(c.limits) ?? "none"}`,
    c.restartCount === undefined ? "" : `restarts ${c.restartCount}`,
    t ? `last ${[t.reason, t.exitCode, t.finishedAt && longTime(t.finishedAt)].filter((x) => x !== undefined && x !== "").join(" ")}` : "",
  ].filter(Boolean);
  out.push(clean(`    ${c.name} (${c.type}${c.image ? `, ${c.image}` : ""}): ${parts.join(", ")}`));
  if (Object.keys(c.memorySettings).length) out.push(clean(`      settings ${mapText(c.memorySettings)}`));
}

function pod(p: PodSnapshot, out: Lines): void {
  section(out, "Evidence: pod");
  field(out, "Pod", `${p.namespace}/${p.name}`);
  field(out, "Phase", [p.phase, p.reason].filter(Boolean).join(" "));
  field(out, "QoS", p.qosClass);
  field(out, "Priority", [p.priorityClassName, p.priority].filter((x) => x !== undefined).join(" "));
  field(out, "Owner", p.owner ? `${p.owner.kind}/${p.owner.name}` : undefined);
  field(out, "Node", p.nodeName);
  if (p.containers.length) out.push("  Containers");
  for (const c of p.containers) container(c, out);
  if (p.logTail?.length) {
    out.push("  Log tail (previous container, redacted)");
    // Redacted again: a record from an older forwarder or edited by hand must not show a secret.
    for (const l of p.logTail) out.push(`    ${clean(redact(l))}`);
  }
}

function node(n: NodeSnapshot, out: Lines): void {
  section(out, "Evidence: node");
  field(out, "Node", n.name);
  field(out, "Capacity", memory(n.capacity));
  field(out, "Allocatable", memory(n.allocatable));
  field(out, "Usage", memory(n.usage));
  field(out, "Pod requests", memory(n.podRequests));
  field(out, "Pod limits", memory(n.podLimits));
  field(out, "Pods", n.podCount);
  field(out, "Conditions", n.conditions.map((c) => `${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ""}`).join(", "));
  field(out, "Taints", n.taints.map((t) => `${t.key}${t.value ? `=${t.value}` : ""}:${t.effect}`).join(", "));
  field(out, "Labels", mapText(n.labels));
  if (n.topPods.length) out.push("  Top pods");
  for (const p of n.topPods) {
    const use = memory(p.usage);
    out.push(
      clean(
        `    ${p.namespace}/${p.name}${p.qosClass ? ` ${p.qosClass}` : ""}: ${use ? `using ${use}, ` : ""}request ${memory(p.requests) ?? "none"}, limit ${memory(p.limits) ?? "none"}`,
      ),
    );
  }
}

export interface ShowOptions {
  /** Sandbox data: how to open a local Slack view link once the sandbox has stopped. */
  slackViewHint?: string;
}

function footer(i: Incident, out: Lines, opts: ShowOptions): void {
  section(out, "Enrichment and notification");
  field(out, "Enrichment", i.enrichment + (i.enrichmentError ? ` (${i.enrichmentError})` : ""));
  if (i.slack) {
    field(out, "Slack", `${i.slack.channel} ts ${i.slack.ts}`);
    // The stored permalink is where the message really is: Slack's, or the view the sandbox served (on whichever port).
    const link = i.slack.permalink;
    field(out, "Slack link", link && opts.slackViewHint && isLoopback(link) ? `${link} (${opts.slackViewHint})` : link);
  } else {
    field(out, "Slack", "not posted yet");
  }
}

function isLoopback(link: string): boolean {
  const host = URL.parse(link)?.hostname;
  return host === "127.0.0.1" || host === "localhost" || host === "[::1]";
}

/** The incident and its occurrences (members, oldest first) as text. */
export function formatIncident(i: Incident, members: Member[] = [], opts: ShowOptions = {}): string {
  const out: Lines = [];
  header(i, out);
  occurrences(i, members, out);
  diagnosis(i, out);
  memoryHistory(i, out);
  recommendation(i, out);
  escalation(i, out);
  if (i.snapshot.pod) pod(i.snapshot.pod, out);
  if (i.snapshot.node) node(i.snapshot.node, out);
  footer(i, out, opts);
  return out.join("\n");
}
