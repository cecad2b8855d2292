/**
 * Crash-safe writes for everything the sandbox keeps in its data dir: the new content goes to a
 * temporary file next to the target and is renamed over it, so a sandbox killed at any moment
 * (SIGKILL, a closed pipe, a power cut after the fsync) leaves either the old or the new file,
 * never a torn one that the next run cannot read.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { randomBytes } from "node:crypto";

export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): void {
  // Same directory as the target: rename is atomic only within one file system.
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  let fd: number | undefined;
  try {
    fd = openSync(tmp, "w", mode);
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
    // Without the fsync, a machine crash could persist the rename before the data (empty file).
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
}
