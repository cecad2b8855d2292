/**
 * The Slack view's page: channel list, a channel's messages (parents with their reply count) and,
 * for a permalink, the thread pane with the linked message highlighted, like Slack's web client.
 */
import { SINK_BOT } from "../slack-sink.ts";
import { permalinkPath } from "../slack-sink/permalink.ts";
import type { SinkChannel, SinkMessage } from "../slack-sink/types.ts";
import type { WorkspaceState } from "../slack-sink/workspace.ts";
import { escapeHtml, renderBody, renderFiles, type RenderContext } from "./render.ts";

const USERS: Record<string, string> = { [SINK_BOT.user_id]: SINK_BOT.name };

export interface Route {
  channel?: string;
  /** The message a permalink names. */
  ts?: string;
  /** The thread to open (the parent's ts). */
  threadTs?: string;
}

/** Reads `/archives/C…[/p…][?thread_ts=…]`; undefined for anything else. */
export function parseRoute(url: URL): Route | undefined {
  if (url.pathname === "/") return {};
  const m = /^\/archives\/([A-Z0-9]+)(?:\/p(\d{7,})(\d{6}))?\/?$/.exec(url.pathname);
  if (!m) return undefined;
  const ts = m[2] ? `${m[2]}.${m[3]}` : undefined;
  const threadTs = url.searchParams.get("thread_ts") ?? undefined;
  return { channel: m[1], ...(ts ? { ts } : {}), ...(threadTs ? { threadTs } : {}) };
}

const time = (ts: string) => {
  const iso = new Date(Math.floor(Number(ts) * 1000)).toISOString();
  // UTC until view.js formats it in the reader's time zone, as Slack does.
  return `<time class="msg-time" datetime="${iso}">${iso.slice(11, 16)} UTC</time>`;
};

function message(m: SinkMessage, replies: SinkMessage[], ctx: RenderContext, highlight: string | undefined, inThread: boolean): string {
  const link = permalinkPath(m.channel, m.ts) + (m.thread_ts ? `?thread_ts=${m.thread_ts}` : "");
  const edited = m.edits.length ? ` <span class="edited" title="edited ${m.edits.length}×">(edited)</span>` : "";
  const count =
    !inThread && !m.thread_ts && replies.length
      ? `<a class="reply-count" href="${permalinkPath(m.channel, m.ts)}">${replies.length} ${replies.length === 1 ? "reply" : "replies"}</a> <span class="last-reply">Last reply ${time(replies.at(-1)!.ts)}</span>`
      : "";
  const cls = ["msg", m.thread_ts ? "reply" : "parent", highlight === m.ts ? "highlight" : ""].filter(Boolean).join(" ");
  return `<article class="${cls}" id="m${m.ts.replace(".", "")}" data-ts="${m.ts}" data-channel="${m.channel}"${m.thread_ts ? ` data-thread-ts="${m.thread_ts}"` : ""}>
<div class="avatar" aria-hidden="true">OW</div>
<div class="msg-main"><div class="msg-meta"><span class="author">${SINK_BOT.name}</span><span class="app-badge">APP</span><a class="permalink" href="${link}">${time(m.ts)}</a></div>
<div class="msg-body">${renderBody(m, ctx)}${edited}</div>${renderFiles(m.files)}
${count ? `<div class="thread-summary">${count}</div>` : ""}</div></article>`;
}

function sidebar(channels: SinkChannel[], current: string | undefined, messages: SinkMessage[]): string {
  const items = [...channels]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((c) => {
      const n = messages.filter((m) => m.channel === c.id && !m.thread_ts).length;
      return `<li><a class="channel${c.id === current ? " current" : ""}" href="/archives/${c.id}" data-channel-name="${escapeHtml(c.name)}"># ${escapeHtml(c.name)}${n ? ` <span class="count">${n}</span>` : ""}</a></li>`;
    });
  return `<nav class="sidebar"><div class="workspace">${SINK_BOT.team}</div><div class="section-label">Channels</div><ul>${items.join("")}</ul></nav>`;
}

/** The inner HTML of `#app` for a route (the page script swaps it on every change). */
export function renderApp(state: WorkspaceState, route: Route): string {
  const ctx: RenderContext = { channels: state.channels, users: USERS };
  const byName = (name: string) => state.channels.find((c) => c.name === name);
  const withMessages = state.channels.find((c) => state.messages.some((m) => m.channel === c.id));
  const channel = route.channel ? state.channels.find((c) => c.id === route.channel) : (byName("oom-alerts") ?? withMessages ?? state.channels[0]);
  const side = sidebar(state.channels, channel?.id, state.messages);
  if (!channel) return `${side}<main class="channel-pane"><div class="empty">${route.channel ? `No channel ${escapeHtml(route.channel)} in this workspace.` : "No channels yet."}</div></main>`;

  const inChannel = state.messages.filter((m) => m.channel === channel.id);
  const repliesOf = (ts: string) => inChannel.filter((m) => m.thread_ts === ts);
  const parents = inChannel.filter((m) => !m.thread_ts);
  const target = route.ts ? inChannel.find((m) => m.ts === route.ts) : undefined;
  const threadTs = route.threadTs ?? (target ? (target.thread_ts ?? target.ts) : undefined);
  const parent = threadTs ? parents.find((m) => m.ts === threadTs) : undefined;

  const list = parents.length ? parents.map((m) => message(m, repliesOf(m.ts), ctx, route.ts, false)).join("\n") : `<div class="empty">No messages in #${escapeHtml(channel.name)} yet.</div>`;
  const notFound = route.ts && !target ? `<div class="error-box" role="alert">Message ${escapeHtml(route.ts)} is not in #${escapeHtml(channel.name)} (deleted, or from another workspace).</div>` : "";
  const thread = parent
    ? `<aside class="thread-pane" data-thread-ts="${parent.ts}"><header class="pane-header"><b>Thread</b> <span class="muted"># ${escapeHtml(channel.name)}</span> <a class="close" href="/archives/${channel.id}" aria-label="Close thread">×</a></header>
${message(parent, [], ctx, route.ts, true)}<div class="reply-divider">${repliesOf(parent.ts).length} ${repliesOf(parent.ts).length === 1 ? "reply" : "replies"}</div>
${repliesOf(parent.ts)
  .map((r) => message(r, [], ctx, route.ts, true))
  .join("\n")}</aside>`
    : "";
  return `${side}<main class="channel-pane" data-channel="${channel.id}" data-channel-name="${escapeHtml(channel.name)}"><header class="pane-header"><b># ${escapeHtml(channel.name)}</b></header>${notFound}<div class="messages">${list}</div></main>${thread}`;
}

export function renderPage(state: WorkspaceState, route: Route, live: boolean): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>oomwatch — Slack view</title><link rel="stylesheet" href="/static/view.css"></head>
<body data-live="${live}"><div id="app">${renderApp(state, route)}</div><script src="/static/view.js"></script></body></html>`;
}
