/**
 * Uploaded files of the Slack sink, the way `files.uploadV2` drives Slack: `files.getUploadURLExternal`
 * reserves an id and an upload URL, the client POSTs the bytes there, and
 * `files.completeUploadExternal` shares the file in a channel or thread. Bytes of completed uploads
 * are kept under the files dir (one file per id, written atomically) so a restarted sink and
 * `oomwatch slack-view` still serve them; without a dir they stay in memory.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../atomic-file.ts";
import type { SinkFile } from "./types.ts";

interface Pending {
  id: string;
  name: string;
  length: number;
  alt_txt?: string;
  bytes?: Buffer;
}

const fileId = () => `F${randomBytes(5).toString("hex").toUpperCase()}`;

/** Slack sniffs the type of an upload; the sink knows the few the project can produce. */
export function mimetypeOf(name: string, bytes: Buffer): string {
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return "image/png";
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return "image/jpeg";
  if (bytes.subarray(0, 4).toString("latin1") === "GIF8") return "image/gif";
  const ext = name.toLowerCase().split(".").pop() ?? "";
  const byExt: Record<string, string> = { svg: "image/svg+xml", txt: "text/plain", json: "application/json", csv: "text/csv", log: "text/plain" };
  return byExt[ext] ?? "application/octet-stream";
}

export class SinkFiles {
  /** Reserved uploads by their secret upload path. */
  private readonly pending = new Map<string, Pending>();
  private readonly memory = new Map<string, Buffer>();

  constructor(private readonly dir?: string) {
    if (dir) mkdirSync(dir, { recursive: true });
  }

  /** Reserves an upload; the secret is the last part of its upload URL. */
  reserve(name: string, length: number, alt?: string): { id: string; secret: string } {
    const id = fileId();
    const secret = randomBytes(12).toString("hex");
    this.pending.set(secret, { id, name, length, ...(alt ? { alt_txt: alt } : {}) });
    return { id, secret };
  }

  /** Takes the bytes POSTed to an upload URL; false when the URL is unknown. */
  receive(secret: string, bytes: Buffer): boolean {
    const p = this.pending.get(secret);
    if (!p) return false;
    p.bytes = bytes;
    return true;
  }

  /**
   * Finishes an upload: `file_not_found` for an id never reserved or whose bytes never arrived
   * (Slack keeps such a file unfinished and refuses to share it).
   */
  complete(id: string, title?: string): SinkFile | "file_not_found" {
    const entry = [...this.pending.entries()].find(([, p]) => p.id === id);
    if (!entry?.[1].bytes) return "file_not_found";
    const [secret, p] = entry;
    const bytes = p.bytes!;
    if (this.dir) writeFileAtomic(join(this.dir, id), bytes);
    else this.memory.set(id, bytes);
    this.pending.delete(secret);
    return { id, name: p.name, title: title || p.name, mimetype: mimetypeOf(p.name, bytes), size: bytes.length, ...(p.alt_txt ? { alt_txt: p.alt_txt } : {}) };
  }

  /** Bytes of a completed upload. */
  read(id: string): Buffer | undefined {
    if (!/^F[A-Z0-9]+$/.test(id)) return undefined;
    const inMemory = this.memory.get(id);
    if (inMemory || !this.dir) return inMemory;
    try {
      return readFileSync(join(this.dir, id));
    } catch {
      return undefined;
    }
  }
}
