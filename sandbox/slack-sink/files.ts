/**
 * The sink's side of `files.uploadV2` (the real @slack/web-api client makes three calls):
 * files.getUploadURLExternal (needs the `files:write` scope, else `missing_scope` like Slack),
 * the upload of the bytes to the returned URL, and files.completeUploadExternal, which shares the
 * file into a channel or a thread. Files are kept in memory and, with `dir`, written there (the
 * sandbox's data dir), so a chart posted by notify can be opened after a run.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Workspace } from "./workspace.ts";

export interface SinkFile {
  id: string;
  filename: string;
  title?: string;
  /** Declared length (getUploadURLExternal) and the bytes received. */
  length: number;
  bytes?: Buffer;
  channel?: string;
  thread_ts?: string;
  /** Where the file was written, when the sink has a files dir. */
  path?: string;
}

type FileAnswer = { status?: number; body: Record<string, unknown> };
type Params = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined);
const fail = (error: string, extra: Record<string, unknown> = {}): FileAnswer => ({ body: { ok: false, error, ...extra } });

export const UPLOAD_PATH = "/upload/";

export class SinkFiles {
  private readonly byId = new Map<string, SinkFile>();
  private next = 1;

  constructor(
    private readonly ws: Workspace,
    private readonly scopes: ReadonlySet<string>,
    private readonly dir?: string,
  ) {}

  files(): SinkFile[] {
    return [...this.byId.values()].filter((f) => f.channel !== undefined);
  }

  /** Stores the bytes sent to an upload URL (raw, or the file part of a multipart form); false for an unknown file id. */
  receive(id: string, body: Buffer, contentType = ""): boolean {
    const f = this.byId.get(id);
    if (!f) return false;
    f.bytes = filePart(body, contentType);
    return true;
  }

  methods(uploadBase: () => string): Record<string, (p: Params) => FileAnswer> {
    return {
      "files.getUploadURLExternal": (p) => {
        if (!this.scopes.has("files:write")) return fail("missing_scope", { needed: "files:write", provided: [...this.scopes].join(",") });
        const filename = str(p.filename);
        const length = Number(str(p.length));
        if (!filename || !Number.isInteger(length) || length <= 0) return fail("invalid_arguments");
        const id = `F${String(this.next++).padStart(9, "0")}`;
        this.byId.set(id, { id, filename, length });
        return { body: { ok: true, upload_url: `${uploadBase()}${id}`, file_id: id } };
      },
      "files.completeUploadExternal": (p) => {
        let listed: { id?: string; title?: string }[];
        try {
          listed = typeof p.files === "string" ? JSON.parse(p.files) : (p.files as typeof listed);
        } catch {
          return fail("invalid_arguments");
        }
        const channelId = str(p.channel_id);
        const ch = channelId ? this.ws.channel(channelId) : undefined;
        if (channelId && !ch) return fail("channel_not_found");
        const threadTs = str(p.thread_ts);
        if (ch && threadTs && !this.ws.find(ch.id, threadTs)) return fail("thread_not_found");
        const done: SinkFile[] = [];
        for (const entry of listed ?? []) {
          const f = entry.id ? this.byId.get(entry.id) : undefined;
          if (!f?.bytes) return fail("file_not_found");
          done.push(f);
        }
        for (const f of done) {
          if (entry(listed, f.id)?.title) f.title = entry(listed, f.id)?.title;
          if (ch) f.channel = ch.id;
          if (threadTs) f.thread_ts = threadTs;
          if (this.dir) {
            mkdirSync(this.dir, { recursive: true });
            f.path = join(this.dir, `${f.id}-${f.filename.replace(/[^\w.-]/g, "_")}`);
            writeFileSync(f.path, f.bytes!);
          }
        }
        return { body: { ok: true, files: done.map((f) => ({ id: f.id, name: f.filename, title: f.title ?? f.filename, size: f.bytes?.length ?? 0 })) } };
      },
    };
  }
}

const entry = (listed: { id?: string; title?: string }[], id: string) => listed.find((e) => e.id === id);

/** The first part's content of a multipart/form-data body (what @slack/web-api sends); other bodies as they are. */
function filePart(body: Buffer, contentType: string): Buffer {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (!contentType.includes("multipart/form-data") || !boundary) return body;
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const start = body.indexOf(delimiter);
  const headersEnd = body.indexOf("\r\n\r\n", start);
  if (start < 0 || headersEnd < 0) return body;
  const end = body.indexOf(Buffer.concat([Buffer.from("\r\n"), delimiter]), headersEnd);
  return body.subarray(headersEnd + 4, end < 0 ? body.length : end);
}
