/**
 * Crash-safe writes for everything the sandbox keeps in its data dir: the new content goes to a
 * temporary file next to the target and is renamed over it, so a sandbox killed at any moment
 * (SIGKILL, a closed pipe, an exception) leaves either the old or the new file, never a torn one
 * that the next run cannot read.
 *
 * No fsync: the sink writes its workspace before answering every post, and a flush to disk per
 * post would slow the sink well beyond Slack's own latency under load. What a killed process wrote
 * is in the kernel's page cache and survives it; only a power cut could lose the last change.
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { randomBytes } from "node:crypto";

export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): void {
  // Same directory as the target: rename is atomic only within one file system.
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  let fd: number | undefined;
  try {
    fd = openSync(tmp, "w", mode);
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
}
