/**
 * Another process's memory and CPU, read from /proc (Linux), so the figures are
 * that process's own and measuring cannot change them.
 */
import { readFileSync } from "node:fs";

const MiB = 2 ** 20;
/** USER_HZ: clock ticks per second in /proc/<pid>/stat (100 on every mainstream Linux). */
const TICKS_PER_SECOND = 100;

export interface ProcessSample {
  rssMiB: number;
  /** Peak RSS since the process started (VmHWM). */
  peakRssMiB: number;
  /**
   * Anonymous part of the RSS (heap, buffers): RSS also counts the pages of the node binary
   * mapped from disk (about 50 MiB for Node 22), which are shared and reclaimable.
   */
  anonMiB: number;
  /** user + system CPU time. */
  cpuMs: number;
}

function statusKb(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
  if (!match) throw new Error(`/proc status has no ${field}`);
  return Number(match[1]);
}

export function sampleProcess(pid: number): ProcessSample {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  // Fields after the parenthesised command name; utime and stime are the 12th and 13th of them.
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return {
    rssMiB: (statusKb(status, "VmRSS") * 1024) / MiB,
    peakRssMiB: (statusKb(status, "VmHWM") * 1024) / MiB,
    anonMiB: (statusKb(status, "RssAnon") * 1024) / MiB,
    cpuMs: (ticks * 1000) / TICKS_PER_SECOND,
  };
}
