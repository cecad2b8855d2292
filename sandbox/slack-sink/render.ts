/** Renders a received message for a terminal: what an on-call engineer would see in Slack, as text. */
import type { SinkMessage } from "./types.ts";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** mrkdwn control sequences to their visible form, then Slack's three entities back to characters. */
export function mrkdwnToText(s: string): string {
  return s
    .replace(/<!date\^\d+\^[^|>]*\|([^>]*)>/g, "$1")
    .replace(/<!(here|channel|everyone)>/g, "@$1")
    .replace(/<!subteam\^([A-Z0-9]+)(?:\|([^>]*))?>/g, (_m, id: string, label?: string) => label ?? `@${id}`)
    .replace(/<[@#]([A-Z0-9]+)(?:\|([^>]*))?>/g, (_m, id: string, label?: string) => `@${label ?? id}`)
    .replace(/<([^|>]+)\|([^>]+)>/g, "$2 ($1)")
    .replace(/<([^>]+)>/g, "$1")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

const indent = (s: string, pad = "  ") =>
  s
    .split("\n")
    .map((l) => pad + l)
    .join("\n");

function textOf(v: unknown): string {
  return isObj(v) && typeof v.text === "string" ? mrkdwnToText(v.text) : "";
}

function renderBlock(block: unknown): string {
  if (!isObj(block)) return "";
  switch (block.type) {
    case "header":
      return `== ${textOf(block.text)} ==`;
    case "divider":
      return "-".repeat(60);
    case "section": {
      const parts: string[] = [];
      if (block.text) parts.push(textOf(block.text));
      if (Array.isArray(block.fields)) parts.push(block.fields.map((f) => textOf(f).replace(/\n/g, " ")).join("  |  "));
      return parts.join("\n");
    }
    case "context":
      return Array.isArray(block.elements) ? `(${block.elements.map(textOf).filter(Boolean).join(" · ")})` : "";
    default:
      return `[${String(block.type)} block]`;
  }
}

/** What a reader sees of one version of a message: its blocks as text (or the fallback text without blocks). */
export function visibleText(m: { text: string; blocks?: unknown[] | undefined }): string {
  return m.blocks?.length ? m.blocks.map(renderBlock).filter(Boolean).join("\n") : mrkdwnToText(m.text);
}

/** The longest visible text of any version (the current one and every edit) of the top-level messages. */
export function longestParent(messages: readonly SinkMessage[]): number {
  let longest = 0;
  for (const m of messages) {
    if (m.thread_ts) continue;
    for (const version of [m, ...m.edits]) longest = Math.max(longest, visibleText(version).length);
  }
  return longest;
}

export function renderMessage(m: SinkMessage): string {
  const where = m.thread_ts ? `#${m.channelName} thread ${m.thread_ts}` : `#${m.channelName}`;
  const edited = m.edits.length ? ` (edited ${m.edits.length}x)` : "";
  const body = visibleText(m);
  return `${where} @ ${m.ts}${edited}\n${indent(body)}`;
}
