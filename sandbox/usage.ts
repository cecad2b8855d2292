/**
 * Mistakes in how `oomwatch sandbox` was called, found before anything starts: the CLI prints
 * them as one line and exits with code 2 (usage), like an unknown option.
 */
import { accessSync, constants, statSync, type Stats } from "node:fs";
import { dirname, resolve } from "node:path";

export class SandboxUsageError extends Error {
  readonly exitCode = 2;
}

const statOf = (path: string): Stats | undefined => statSync(path, { throwIfNoEntry: false });

/**
 * The report is written at the end of a run that may take minutes: a path it cannot be written
 * to must fail now, not after the run. Written by rename (sandbox/atomic-file.ts), so the
 * directory must be writable; an existing file is replaced.
 */
export function checkReportPath(path: string): void {
  const full = resolve(path);
  if (statOf(full)?.isDirectory()) throw new SandboxUsageError(`--report ${path}: is a directory; give a file name`);
  const dir = dirname(full);
  const parent = statOf(dir);
  if (!parent) throw new SandboxUsageError(`--report ${path}: directory ${dir} does not exist`);
  if (!parent.isDirectory()) throw new SandboxUsageError(`--report ${path}: ${dir} is not a directory`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new SandboxUsageError(`--report ${path}: directory ${dir} is not writable`);
  }
}
