/**
 * A Slack-compatible sink: a loopback HTTP server that answers the Slack Web API
 * methods oomwatch uses, the way Slack does (token check, form or JSON bodies,
 * Slack error codes, Block Kit limits, threads, message metadata, 429 rate
 * limiting), keeps what it received and renders it for a terminal. The real
 * `@slack/web-api` WebClient talks to it through `slackApiUrl: sink.url`.
 *
 * Methods: auth.test, chat.postMessage, chat.update, chat.delete, chat.getPermalink,
 * conversations.history, conversations.replies, conversations.list, and the upload flow of
 * `files.uploadV2` (files.getUploadURLExternal, an upload URL, files.completeUploadExternal).
 *
 * The workspace is written to its state file (atomically) after every change and before the
 * answer, so a sandbox killed at any moment never holds a message ts the next run cannot find.
 */
import { existsSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { parse as parseQuery } from "node:querystring";
import { writeFileAtomic } from "./atomic-file.ts";
import { SinkFiles } from "./slack-sink/files.ts";
import { permalinkPath } from "./slack-sink/permalink.ts";
import { renderMessage } from "./slack-sink/render.ts";
import type { SinkChannel, SinkCounters, SinkFault, SinkFile, SinkMessage, SinkMetadata } from "./slack-sink/types.ts";
import { SLACK_LIMITS, validateBlocks } from "./slack-sink/validate.ts";
import { Workspace, type WorkspaceState } from "./slack-sink/workspace.ts";

export type { SinkChannel, SinkCounters, SinkFault, SinkFile, SinkMessage, SinkMetadata } from "./slack-sink/types.ts";
export type { WorkspaceState } from "./slack-sink/workspace.ts";
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
  /** OAuth scopes granted to the token (default: every scope the methods need); others answer `missing_scope`. */
  scopes?: string[];
  /** Where uploaded files are kept (one file per id); in memory when absent. */
  filesDir?: string;
}

/** Scope each method needs, as Slack documents it for bot tokens. */
const METHOD_SCOPES: Readonly<Record<string, string>> = {
  "chat.postMessage": "chat:write",
  "chat.update": "chat:write",
  "chat.delete": "chat:write",
  "conversations.history": "channels:history",
  "conversations.replies": "channels:history",
  "conversations.list": "channels:read",
  "files.getUploadURLExternal": "files:write",
  "files.completeUploadExternal": "files:write",
};
export const SINK_SCOPES: readonly string[] = [...new Set(Object.values(METHOD_SCOPES))];

export type SinkChange = "posted" | "updated" | "deleted";

export interface SlackSink {
  /** Base for `slackApiUrl`, ending in `/api/`. */
  readonly url: string;
  readonly token: string;
  readonly counters: Readonly<SinkCounters>;
  /** Top-level messages and thread replies, in the order received. */
  messages(): SinkMessage[];
  channels(): SinkChannel[];
  /** Looks a channel up by id or name. */
  channel(ref: string): SinkChannel | undefined;
  render(message: SinkMessage): string;
  /** Calls `listener` for every new message, update and deletion (sandbox display, Slack view). */
  subscribe(listener: (message: SinkMessage, change: SinkChange) => void): () => void;
  /** Channels, messages and the ts clock, as kept in the state file. */
  snapshot(): WorkspaceState;
  /** A shared file and its bytes. */
  file(id: string): { file: SinkFile; bytes: Buffer } | undefined;
  /** Every shared file with where it was shared (channel, thread) and its bytes, in the order shared. */
  files(): Array<SinkFile & { channel: string; thread_ts?: string; bytes?: Buffer }>;
  /**
   * Where `chat.getPermalink` points: Slack's permalinks open the workspace's web client, the
   * sandbox's is the Slack view. Until set, they point at the sink itself.
   */
  setPermalinkBase(base: string): void;
  inject(fault: SinkFault): void;
  stop(): Promise<void>;
}

type Params = Record<string, unknown>;
type Answer = { status?: number; headers?: Record<string, string>; body: Record<string, unknown> } | "hang";

/** Where the sandbox keeps the sink's workspace and uploaded files inside its data dir. */
export function sinkDataPaths(dataDir: string): { stateFile: string; filesDir: string } {
  return { stateFile: join(dataDir, "slack-workspace.json"), filesDir: join(dataDir, "slack-files") };
}

const DEFAULT_CHANNELS = ["oom-alerts", "ops", "general"];
/** The bot user the sink answers as (auth.test) and posts as. */
export const SINK_BOT = { user_id: "U0OOMWATCH", name: "oomwatch", bot_id: "B0OOMWATCH", team_id: "T0SANDBOX", team: "oomwatch sandbox" } as const;
const BOT = { user_id: SINK_BOT.user_id, bot_id: SINK_BOT.bot_id, team_id: SINK_BOT.team_id, team: SINK_BOT.team };

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
/** Slack's file object, the fields a client reads. */
const fileObject = (f: SinkFile) => ({ id: f.id, name: f.name, title: f.title, mimetype: f.mimetype, size: f.size, ...(f.alt_txt ? { alt_txt: f.alt_txt } : {}) });
const fail = (error: string, extra: Record<string, unknown> = {}): Answer => ({ body: { ok: false, error, ...extra } });

export async function startSlackSink(opts: SlackSinkOptions = {}): Promise<SlackSink> {
  const token = opts.token ?? "xoxb-oomwatch-sandbox";
  const scopes = new Set(opts.scopes ?? SINK_SCOPES);
  const ws = new Workspace(opts.channels ?? DEFAULT_CHANNELS, opts.autoCreateChannels ?? false);
  if (opts.stateFile && existsSync(opts.stateFile)) ws.restore(JSON.parse(readFileSync(opts.stateFile, "utf8")) as WorkspaceState);
  const files = new SinkFiles(opts.filesDir);
  // Channels created from the defaults must be in the file before any ts referring to them is answered.
  const persist = () => {
    if (opts.stateFile) writeFileAtomic(opts.stateFile, JSON.stringify(ws.snapshot()));
  };
  persist();
  let permalinkBase: string | undefined;
  const counters: SinkCounters = { posted: 0, updated: 0, threadReplies: 0, deleted: 0, rateLimited: 0 };
  const faults: Array<SinkFault & { left: number }> = [];
  const listeners = new Set<(m: SinkMessage, change: SinkChange) => void>();
  const lastPost = new Map<string, number>();
  const intervalMs = 1000 / (opts.rateLimitPerSecond ?? 1);
  let base = "";

  /** Every change is on disk before anyone (the client, a listener) learns of it. */
  const changed = (m: SinkMessage, change: SinkChange) => {
    persist();
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
      ...(m.files ? { files: m.files.map(fileObject), upload: true } : {}),
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
      changed(m, "posted");
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
      changed(m, "updated");
      return { body: { ok: true, channel: ch.id, ts: m.ts, text: m.text, message: slackMessage(m, true) } };
    },

    "chat.delete": (p) => {
      const ch = ws.channel(str(p.channel) ?? "");
      if (!ch) return fail("channel_not_found");
      const ts = str(p.ts) ?? "";
      const gone = ws.find(ch.id, ts);
      if (!gone || !ws.remove(ch.id, ts)) return fail("message_not_found");
      counters.deleted += 1;
      changed(gone, "deleted");
      return { body: { ok: true, channel: ch.id, ts } };
    },

    "chat.getPermalink": (p) => {
      const ch = ws.channel(str(p.channel) ?? "");
      if (!ch) return fail("channel_not_found");
      const ts = str(p.message_ts) ?? "";
      const m = ws.find(ch.id, ts);
      if (!m) return fail("message_not_found");
      // Slack's form: a reply's permalink names its thread, so the web client opens the thread.
      const thread = m.thread_ts ? `?thread_ts=${m.thread_ts}&cid=${ch.id}` : "";
      return { body: { ok: true, channel: ch.id, permalink: `${(permalinkBase ?? base.replace(/api\/$/, "")).replace(/\/$/, "")}${permalinkPath(ch.id, ts)}${thread}` } };
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

    "files.getUploadURLExternal": (p) => {
      const filename = str(p.filename) ?? "";
      const length = Number(str(p.length));
      if (!filename || !Number.isInteger(length) || length < 1) return fail("invalid_arguments", { response_metadata: { messages: ["[ERROR] missing or invalid filename or length"] } });
      const alt = str(p.alt_txt) ?? str(p.alt_text);
      const { id, secret } = files.reserve(filename, length, alt);
      return { body: { ok: true, upload_url: `${base.replace(/api\/$/, "")}upload/v1/${secret}`, file_id: id } };
    },

    "files.completeUploadExternal": (p) => {
      const list = jsonParam(p.files);
      const wanted = list.ok && Array.isArray(list.value) ? (list.value as Array<{ id?: unknown; title?: unknown }>) : undefined;
      if (!wanted?.length || wanted.some((f) => typeof f?.id !== "string")) return fail("invalid_arguments", { response_metadata: { messages: ["[ERROR] files must be a non-empty array of {id, title}"] } });
      const channelRef = str(p.channel_id) ?? str(p.channels);
      const ch = channelRef ? ws.channel(channelRef) : undefined;
      if (channelRef && !ch) return fail("channel_not_found");
      const threadTs = str(p.thread_ts);
      if (threadTs && ch) {
        const parent = ws.find(ch.id, threadTs);
        if (!parent || parent.thread_ts) return fail("thread_not_found");
      }
      const done: SinkFile[] = [];
      for (const f of wanted) {
        const r = files.complete(f.id as string, typeof f.title === "string" ? f.title : undefined);
        if (r === "file_not_found") return fail("file_not_found");
        done.push(r);
      }
      // Without a channel Slack keeps the file private: nothing appears in any conversation.
      if (ch) {
        const blocks = jsonParam(p.blocks);
        const comment = str(p.initial_comment);
        const m: SinkMessage = {
          channel: ch.id,
          channelName: ch.name,
          ts: ws.nextTs(),
          text: comment ?? "",
          ...(!comment && blocks.ok && Array.isArray(blocks.value) ? { blocks: blocks.value } : {}),
          files: done,
          ...(threadTs ? { thread_ts: threadTs } : {}),
          edits: [],
        };
        ws.add(m);
        if (threadTs) counters.threadReplies += 1;
        else counters.posted += 1;
        changed(m, "posted");
      }
      return { body: { ok: true, files: done.map(fileObject) } };
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
    const needed = METHOD_SCOPES[method];
    if (needed && !scopes.has(needed)) return fail("missing_scope", { needed, provided: [...scopes].join(",") });
    const fault = takeFault(method);
    if (fault?.kind === "hang") return "hang";
    if (fault?.kind === "status") return { status: fault.status, body: { ok: false, error: "fatal_error" } };
    if (fault?.kind === "ratelimit") return rateLimited(fault.retryAfterSeconds ?? 1);
    if (fault?.kind === "error") return fail(fault.error);
    const impl = methods[method];
    return impl ? impl(p) : fail("unknown_method");
  }

  /** The upload URL of `files.getUploadURLExternal`: raw bytes, or multipart as `files.uploadV2` sends them. */
  async function upload(req: IncomingMessage, res: ServerResponse, secret: string): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let bytes = Buffer.concat(chunks);
    const type = req.headers["content-type"] ?? "";
    if (type.startsWith("multipart/form-data")) {
      const form = await new Request("http://x/", { method: "POST", headers: { "content-type": type }, body: bytes }).formData();
      const part = [...form.values()].find((v) => typeof v !== "string");
      bytes = part && typeof part !== "string" ? Buffer.from(await part.arrayBuffer()) : Buffer.alloc(0);
    }
    const ok = files.receive(secret, bytes);
    res.writeHead(ok ? 200 : 404, { "content-type": "text/plain; charset=utf-8" });
    res.end(ok ? `OK - ${bytes.length}` : "not found");
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const uploadPath = /^\/upload\/v1\/([a-f0-9]+)$/.exec(new URL(req.url ?? "/", "http://x").pathname);
    if (uploadPath) {
      await upload(req, res, uploadPath[1]!).catch(() => {
        if (!res.headersSent) res.writeHead(400);
        res.end();
      });
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
    channel: (ref) => ws.channel(ref),
    render: renderMessage,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    snapshot: () => ws.snapshot(),
    file(id) {
      const file = ws
        .messages()
        .flatMap((m) => m.files ?? [])
        .find((f) => f.id === id);
      const bytes = file && files.read(id);
      return file && bytes ? { file, bytes } : undefined;
    },
    files: () =>
      ws.messages().flatMap((m) =>
        (m.files ?? []).map((f) => ({ ...f, channel: m.channel, ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}), bytes: files.read(f.id) })),
      ),
    setPermalinkBase(url) {
      permalinkBase = url.endsWith("/") ? url : `${url}/`;
    },
    inject(fault) {
      faults.push({ ...fault, left: fault.count ?? 1 });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        persist();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
