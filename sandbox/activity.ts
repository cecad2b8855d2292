/**
 * What `oomwatch sandbox` prints of the pipeline's work as it happens: every Slack post,
 * update and thread reply, every resolved incident and every node whose MemoryPressure
 * cleared. Compact (the default) is one line per action, cut to the terminal width, so the
 * status block under it stays in view; verbose prints whole Slack messages, edits included.
 *
 * Everything printed comes from the cluster through Slack text: control characters are
 * replaced (cli/incidents/text.ts `clean`), so a pod name cannot move the cursor or recolour
 * the terminal.
 */
import { clean, truncate } from "../cli/incidents/text.ts";
import { KIND_LABEL, resolvedSummary } from "../functions/notify/message.ts";
import type { Incident } from "../shared/schema/incident.ts";
import type { SinkChange, SinkMessage } from "./slack-sink.ts";
import { mrkdwnToText, renderMessage, visibleText } from "./slack-sink/render.ts";

export type SandboxActivity =
  /** A change the Slack sink received; `parent` is the thread's parent message for a reply. */
  | { type: "slack"; change: SinkChange; message: SinkMessage; parent?: SinkMessage }
  /** The resolver closed an incident. */
  | { type: "resolved"; incident: Incident }
  /** A node's MemoryPressure condition went from True to False. */
  | { type: "pressureCleared"; node: string; at?: string; reason?: string };

export interface ActivityFormat {
  /** Whole Slack messages instead of one line each. */
  verbose?: boolean;
  /** Compact lines are cut to this many columns (the terminal's width). */
  width?: number;
}

/** Width of the first column ("resolved", "pressure"), so levels and channels line up under each other. */
const VERB_WIDTH = 8;
/** Incident ids are 20 hex digits; 8 tell the incidents of one run apart. */
const SHORT_ID = 8;

const metadataOf = (m: SinkMessage | undefined): { level?: unknown; incident_id?: unknown } | undefined => m?.metadata?.event_payload;

/** L0-L3 from the message's incident metadata, else its thread parent's (an uploaded chart carries none). */
export function levelOf(message: SinkMessage, parent?: SinkMessage): string {
  const level = metadataOf(message)?.level ?? metadataOf(parent)?.level;
  return typeof level === "number" ? `L${level}` : "L?";
}

/** A reply's thread: the incident's short id when the parent names it, else the parent's ts. */
export function threadOf(message: SinkMessage, parent?: SinkMessage): string | undefined {
  if (!message.thread_ts) return undefined;
  const id = metadataOf(parent)?.incident_id ?? metadataOf(message)?.incident_id;
  return `↳ reply in thread of ${typeof id === "string" ? id.slice(0, SHORT_ID) : message.thread_ts}`;
}

/**
 * What the message is about, short: the first sentence of the fallback text's first line (the
 * incident's subject; the details follow it), without emoji codes and bold or code marks; a
 * file's title when there is no text.
 */
export function titleOf(message: SinkMessage): string {
  const firstLine = (text: string) =>
    text
      .split("\n")
      .map((l) =>
        l
          .replace(/:[a-z0-9_+-]+:/g, "")
          .replace(/\*([^*]+)\*/g, "$1")
          .replace(/`([^`]+)`/g, "$1")
          .split(/\.\s/)[0]!
          .trim(),
      )
      .find(Boolean);
  const title =
    firstLine(mrkdwnToText(message.text)) ??
    (message.files?.length ? `file ${message.files.map((f) => f.title || f.name).join(", ")}` : undefined) ??
    firstLine(visibleText(message)) ??
    "";
  return clean(title);
}

/** The verb, then the parts that are there, two spaces apart. */
const columns = (verb: string, ...parts: Array<string | undefined>): string => [verb.padEnd(VERB_WIDTH), ...parts.filter((p) => p !== undefined && p !== "")].join("  ");

const VERBS: Record<SinkChange, string> = { posted: "post", updated: "update", deleted: "delete" };

/** `reply     L1  #oom-alerts  ↳ reply in thread of 3f2a9c1d  First steps for ...`: one line per Slack action. */
export function formatSlackLine(change: SinkChange, message: SinkMessage, parent?: SinkMessage): string {
  const verb = change === "posted" && message.thread_ts ? "reply" : VERBS[change];
  const edits = change === "updated" ? `(edit ${message.edits.length})` : undefined;
  return columns(verb, levelOf(message, parent), `#${clean(message.channelName)}`, threadOf(message, parent), edits, titleOf(message));
}

/** `resolved  L3  Node OOM  <id>: Resolved after 12 min, 3 occurrences`. */
export function formatResolvedLine(i: Incident): string {
  return clean(columns("resolved", `L${i.level}`, KIND_LABEL[i.kind], `${i.id}: ${resolvedSummary(i)}`));
}

/** `pressure  node-b  MemoryPressure cleared (KubeletHasSufficientMemory) at 10:04:00Z`. */
export function formatPressureClearedLine(a: { node: string; at?: string; reason?: string }): string {
  const time = a.at ? ` at ${a.at.slice(11, 19)}Z` : "";
  return clean(columns("pressure", a.node, `MemoryPressure cleared${a.reason ? ` (${a.reason})` : ""}${time}`));
}

/** The text to print for one activity: a line cut to `width`, or (verbose) a whole Slack message. */
export function formatActivity(a: SandboxActivity, opts: ActivityFormat): string {
  if (a.type === "slack" && opts.verbose) {
    // Whole messages, as the sink renders them (an update shows "(edited Nx)"); line breaks kept, any other control character replaced.
    const text = a.change === "deleted" ? `deleted #${a.message.channelName} @ ${a.message.ts}` : renderMessage(a.message);
    return text.split("\n").map(clean).join("\n");
  }
  const line = a.type === "slack" ? formatSlackLine(a.change, a.message, a.parent) : a.type === "resolved" ? formatResolvedLine(a.incident) : formatPressureClearedLine(a);
  return opts.width === undefined ? line : truncate(line, opts.width);
}
