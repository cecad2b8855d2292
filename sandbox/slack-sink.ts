/**
 * A Slack-compatible sink: a loopback HTTP server that answers the Slack Web API
 * methods oomwatch uses, the way Slack does (token check, form or JSON bodies,
 * Slack error codes, Block Kit limits, threads, message metadata, 429 rate
 * limiting), keeps what it received and renders it for a terminal. The real
 * `@slack/web-api` WebClient talks to it through `slackApiUrl: sink.url`.
 *
 * Methods: auth.test, chat.postMessage, chat.update, chat.delete, chat.getPermalink,
 * conversations.history, conversations.replies, conversations.list, and files.uploadV2's
 * files.getUploadURLExternal / upload URL / files.completeUploadExternal (slack-sink/files.ts).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { parse as parseQuery } from "node:querystring";
import { renderMessage } from "./slack-sink/render.ts";
import type { SinkChannel, SinkCounters, SinkFault, SinkMessage, SinkMetadata } from "./slack-sink/types.ts";
import { SLACK_LIMITS, validateBlocks } from "./slack-sink/validate.ts";
import { Workspace, type WorkspaceState } from "./slack-sink/workspace.ts";
import { type SinkFile, SinkFiles, UPLOAD_PATH } from "./slack-sink/files.ts";

export type { SinkChannel, SinkCounters, SinkFault, SinkMessage, SinkMetadata } from "./slack-sink/types.ts";
export type { SinkFile } from "./slack-sink/files.ts";
export { mrkdwnToText } from "./slack-sink/render.ts";

export interface SlackSinkOptions {
  /** Channels that exist (names, with or without `#`). Default: oom-alerts, ops, general. */
  channels?: string[];
  /** Create unknown channels on first post instead of answering `channel_not_found`. */
  autoCreateChannels?: boolean;
  /** About one message per second per channel, like Slack; excess posts get 429 + Retry-After. */
  rateLimit?: boolean;
  /** Messages per second per channel when `rateLimit` is on (default 1). */
  rateLimitPerSecond?: number;
  /**
   * Keep the workspace (channels, messages) in this JSON file across restarts, as Slack keeps
   * them: incidents stored in a persistent data dir refer to messages by channel and ts.
   */
  stateFile?: string;
  /** The bot token the sink accepts (default `xoxb-oomwatch-sandbox`). */
  token?: string;
  /** Scopes of the token (default: DEFAULT_SCOPES, which include `files:write`). */
  scopes?: string[];
  /** Where uploaded files are written (default: `slack-files` next to `stateFile`, else memory only). */
  filesDir?: string;
}

export const DEFAULT_SCOPES = ["chat:write", "chat:write.public", "channels:history", "groups:history", "channels:read", "groups:read", "files:write"];

export interface SlackSink {
  /** Base for `slackApiUrl`, ending in `/api/`. */
  readonly url: string;
  readonly token: string;
  readonly counters: Readonly<SinkCounters>;
  /** Top-level messages and thread replies, in the order received. */
  messages(): SinkMessage[];
  channels(): SinkChannel[];
  /** Files shared with files.uploadV2 (completed uploads). */
  files(): SinkFile[];
  /** Looks a channel up by id or name. */
  channel(ref: string): SinkChannel | undefined;
  render(message: SinkMessage): string;
  /** Calls `listener` for every new message and every update (sandbox display). */
  subscribe(listener: (message: SinkMessage, change: "posted" | "updated") => void): () => void;
  inject(fault: SinkFault): void;
  stop(): Promise<void>;
}

type Params = Record<string, unknown>;
type Answer = { status?: number; headers?: Record<string, string>; body: Record<string, unknown> } | "hang";

const DEFAULT_CHANNELS = ["oom-alerts", "ops", "general"];
const BOT = { user_id: "U0OOMWATCH", bot_id: "B0OOMWATCH", team_id: "T0SANDBOX", team: "oomwatch sandbox" };

async function readParams(req: IncomingMessage): Promise<Params> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks).toString("utf8");
  const query = parseQuery(new URL(req.url ?? "/", "http://x").search.slice(1)) as Params;
  if (!raw) return query;
  if ((req.headers["content-type"] ?? "").includes("application/json")) {
    const body = JSON.parse(raw) as unknown;
    return { ...query, ...(typeof body === "object" && body !== null ? (body as Params) : {}) };
  }
  return { ...query, ...(parseQuery(raw) as Params) };
}

/** Form bodies carry blocks/metadata as JSON strings; JSON bodies carry them as values. */
function jsonParam(v: unknown): { ok: true; value: unknown } | { ok: false } {
  if (typeof v !== "string") return { ok: true, value: v };
  try {
    return { ok: true, value: JSON.parse(v) };
  } catch {
    return { ok: false };
  }
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined);
const truthy = (v: unknown) => v === true || v === "true" || v === "1" || v === 1;
const fail = (error: string, extra: Record<string, unknown> = {}): Answer => ({ body: { ok: false, error, ...extra } });

export async function startSlackSink(opts: SlackSinkOptions = {}): Promise<SlackSink> {
  const token = opts.token ?? "xoxb-oomwatch-sandbox";
  const ws = new Workspace(opts.channels ?? DEFAULT_CHANNELS, opts.autoCreateChannels ?? false);
  if (opts.stateFile && existsSync(opts.stateFile)) ws.restore(JSON.parse(readFileSync(opts.stateFile, "utf8")) as WorkspaceState);
  const counters: SinkCounters = { posted: 0, updated: 0, threadReplies: 0, deleted: 0, rateLimited: 0 };
  const faults: Array<SinkFault & { left: number }> = [];
  const listeners = new Set<(m: SinkMessage, change: "posted" | "updated") => void>();
  const lastPost = new Map<string, number>();
  const intervalMs = 1000 / (opts.rateLimitPerSecond ?? 1);
  let base = "";
  const filesDir = opts.filesDir ?? (opts.stateFile ? join(dirname(opts.stateFile), "slack-files") : undefined);
  const files = new SinkFiles(ws, new Set(opts.scopes ?? DEFAULT_SCOPES), filesDir);

  const notify = (m: SinkMessage, change: "posted" | "updated") => {
    for (const l of listeners) l(m, change);
  };

  function takeFault(method: string): SinkFault | undefined {
    const i = faults.findIndex((f) => !f.methods || f.methods.includes(method));
    if (i < 0) return undefined;
    const f = faults[i]!;
    f.left -= 1;
    if (f.left <= 0) faults.splice(i, 1);
    return f;
  }

  function rateLimited(seconds: number): Answer {
    counters.rateLimited += 1;
    return { status: 429, headers: { "retry-after": String(seconds) }, body: { ok: false, error: "ratelimited" } };
  }

  /** Common checks of postMessage/update: text, blocks, metadata. */
  function content(p: Params): { error: Answer } | { text: string; blocks?: unknown[]; metadata?: SinkMetadata } {
    const text = str(p.text) ?? "";
    const blocks = jsonParam(p.blocks);
    if (!blocks.ok) return { error: fail("invalid_blocks_format") };
    if (blocks.value !== undefined) {
      const errors = validateBlocks(blocks.value);
      if (errors.length) return { error: fail("invalid_blocks", { errors, response_metadata: { messages: errors.map((e) => `[ERROR] ${e}`) } }) };
    }
    if (!text && !(Array.isArray(blocks.value) && blocks.value.length)) return { error: fail("no_text") };
    if (text.length > SLACK_LIMITS.messageText) return { error: fail("msg_too_long") };
    const meta = jsonParam(p.metadata);
    if (!meta.ok) return { error: fail("invalid_metadata_format") };
    let metadata: SinkMetadata | undefined;
    if (meta.value !== undefined) {
      const m = meta.value as Partial<SinkMetadata> | null;
      if (!m || typeof m.event_type !== "string" || !/^[A-Za-z0-9_]+$/.test(m.event_type) || typeof m.event_payload !== "object" || m.event_payload === null) {
        return { error: fail("invalid_metadata_format") };
      }
      metadata = { event_type: m.event_type, event_payload: m.event_payload };
    }
    return { text, ...(Array.isArray(blocks.value) ? { blocks: blocks.value } : {}), ...(metadata ? { metadata } : {}) };
  }

  function slackMessage(m: SinkMessage, withMetadata: boolean): Record<string, unknown> {
    const replies = m.thread_ts ? [] : ws.replies(m.channel, m.ts);
    return {
      type: "message",
      subtype: "bot_message",
      user: BOT.user_id,
      bot_id: BOT.bot_id,
      text: m.text,
      ts: m.ts,
      ...(m.blocks ? { blocks: m.blocks } : {}),
      ...(m.thread_ts ? { thread_ts: m.thread_ts } : replies.length ? { thread_ts: m.ts, reply_count: replies.length } : {}),
      ...(m.edits.length ? { edited: { user: BOT.user_id, ts: m.edits.at(-1)?.at } } : {}),
      ...(withMetadata && m.metadata ? { metadata: m.metadata } : {}),
    };
  }

  /** Slack-style cursor pagination over an array. */
  function page<T>(items: T[], p: Params, max: number): { items: T[]; next: string } {
    const limit = Math.min(Math.max(Number(str(p.limit) ?? 100) || 100, 1), max);
    const offset = p.cursor ? Number(Buffer.from(String(p.cursor), "base64").toString("utf8").replace("offset:", "")) || 0 : 0;
    const slice = items.slice(offset, offset + limit);
    const next = offset + limit < items.length ? Buffer.from(`offset:${offset + limit}`).toString("base64") : "";
    return { items: slice, next };
  }

  const methods: Record<string, (p: Params) => Answer> = {
    ...files.methods(() => base.replace(/\/api\/$/, UPLOAD_PATH)),
    "auth.test": () => ({ body: { ok: true, url: base.replace(/api\/$/, ""), ...BOT, user: "oomwatch" } }),

    "chat.postMessage": (p) => {
      const ch = ws.channel(str(p.channel) ?? "", true);
      if (!ch) return fail("channel_not_found");
      const c = content(p);
      if ("error" in c) return c.error;
      const threadTs = str(p.thread_ts);
      if (threadTs) {
        const parent = ws.find(ch.id, threadTs);
        if (!parent || parent.thread_ts) return fail("thread_not_found");
      }
      if (opts.rateLimit) {
        const now = Date.now();
        const last = lastPost.get(ch.id);
        if (last !== undefined && now - last < intervalMs) return rateLimited(Math.max(1, Math.ceil((intervalMs - (now - last)) / 1000)));
        lastPost.set(ch.id, now);
      }
      const m: SinkMessage = { channel: ch.id, channelName: ch.name, ts: ws.nextTs(), ...c, ...(threadTs ? { thread_ts: threadTs } : {}), edits: [] };
      ws.add(m);
      if (threadTs) counters.threadReplies += 1;
      else counters.posted += 1;
      notify(m, "posted");
      return { body: { ok: true, channel: ch.id, ts: m.ts, message: slackMessage(m, true) } };
    },

    "chat.update": (p) => {
      const ch = ws.channel(str(p.channel) ?? "");
      if (!ch) return fail("channel_not_found");
      const m = ws.find(ch.id, str(p.ts) ?? "");
      if (!m) return fail("message_not_found");
      const c = content(p);
      if ("error" in c) return c.error;
      m.edits.push({ at: ws.nextTs(), text: m.text, ...(m.blocks ? { blocks: m.blocks } : {}) });
      m.text = c.text;
      if (c.blocks) m.blocks = c.blocks;
      if (c.metadata) m.metadata = c.metadata;
      counters.updated += 1;
      notify(m, "updated");
      return { body: { ok: true, channel: ch.id, ts: m.ts, text: m.text, message: slackMessage(m, true) } };
    },

    "chat.delete": (p) => {
      const ch = ws.channel(str(p.channel) ?? "");
      if (!ch) return fail("channel_not_found");
      const ts = str(p.ts) ?? "";
      if (!ws.remove(ch.id, ts)) return fail("message_not_found");
      counters.deleted += 1;
      return { body: { ok: true, channel: ch.id, ts } };
    },

    "chat.getPermalink": (p) => {
      const ch = ws.channel(str(p.channel) ?? "");
      if (!ch) return fail("channel_not_found");
      const ts = str(p.message_ts) ?? "";
      if (!ws.find(ch.id, ts)) return fail("message_not_found");
      return { body: { ok: true, channel: ch.id, permalink: `${base.replace(/api\/$/, "")}archives/${ch.id}/p${ts.replace(".", "")}` } };
    },

    "conversations.history": (p) => {
      const ch = ws.channel(str(p.channel) ?? "");
      if (!ch) return fail("channel_not_found");
      const oldest = Number(str(p.oldest) ?? 0);
      const latest = Number(str(p.latest) ?? Number.POSITIVE_INFINITY);
      const inclusive = truthy(p.inclusive);
      const within = (ts: number) => (inclusive ? ts >= oldest && ts <= latest : ts > oldest && ts < latest);
      const top = ws
        .messages()
        .filter((m) => m.channel === ch.id && !m.thread_ts && within(Number(m.ts)))
        .reverse();
      const { items, next } = page(top, p, 999);
      const withMeta = truthy(p.include_all_metadata);
      return { body: { ok: true, messages: items.map((m) => slackMessage(m, withMeta)), has_more: next !== "", response_metadata: { next_cursor: next } } };
    },

    "conversations.replies": (p) => {
      const ch = ws.channel(str(p.channel) ?? "");
      if (!ch) return fail("channel_not_found");
      const parent = ws.find(ch.id, str(p.ts) ?? "");
      if (!parent) return fail("thread_not_found");
      const all = [parent, ...ws.replies(ch.id, parent.ts)];
      const { items, next } = page(all, p, 1000);
      const withMeta = truthy(p.include_all_metadata);
      return { body: { ok: true, messages: items.map((m) => slackMessage(m, withMeta)), has_more: next !== "", response_metadata: { next_cursor: next } } };
    },

    "conversations.list": (p) => {
      const { items, next } = page(ws.channels(), p, 1000);
      return {
        body: {
          ok: true,
          channels: items.map((c) => ({ id: c.id, name: c.name, is_channel: true, is_member: true, is_archived: false })),
          response_metadata: { next_cursor: next },
        },
      };
    },
  };

  function answer(method: string, p: Params, auth: string | undefined): Answer {
    const given = auth?.replace(/^Bearer\s+/i, "") || str(p.token);
    if (!given) return fail("not_authed");
    if (given !== token) return fail("invalid_auth");
    const fault = takeFault(method);
    if (fault?.kind === "hang") return "hang";
    if (fault?.kind === "status") return { status: fault.status, body: { ok: false, error: "fatal_error" } };
    if (fault?.kind === "ratelimit") return rateLimited(fault.retryAfterSeconds ?? 1);
    if (fault?.kind === "error") return fail(fault.error);
    const impl = methods[method];
    return impl ? impl(p) : fail("unknown_method");
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path.startsWith(UPLOAD_PATH)) {
      // The upload URL from files.getUploadURLExternal: raw bytes (or a form), answered with 200 like Slack's.
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const ok = files.receive(path.slice(UPLOAD_PATH.length), Buffer.concat(chunks), req.headers["content-type"]);
      res.writeHead(ok ? 200 : 404, { "content-type": "text/plain" });
      res.end(ok ? `OK - ${Buffer.concat(chunks).length}` : "file not found");
      return;
    }
    const method = new URL(req.url ?? "/", "http://x").pathname.replace(/^\/api\//, "");
    let a: Answer;
    try {
      a = answer(method, await readParams(req), req.headers.authorization);
    } catch {
      a = fail("invalid_json");
    }
    if (a === "hang") return; // the client's timeout ends it; stop() closes the socket
    res.writeHead(a.status ?? 200, { "content-type": "application/json; charset=utf-8", ...a.headers });
    res.end(JSON.stringify(a.body));
  }

  const server = createServer((req, res) => void handle(req, res));
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
  base = `http://127.0.0.1:${port}/api/`;

  return {
    url: base,
    token,
    counters,
    messages: () => ws.messages(),
    channels: () => ws.channels(),
    files: () => files.files(),
    channel: (ref) => ws.channel(ref),
    render: renderMessage,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    inject(fault) {
      faults.push({ ...fault, left: fault.count ?? 1 });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (opts.stateFile) writeFileSync(opts.stateFile, JSON.stringify(ws.snapshot()));
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
