/**
 * Live progress of a sandbox run. On a TTY the status block is redrawn in place
 * under the log of Slack messages; in a plain log (CI, `| tee`) it prints one
 * compact line whenever something changed, at most once per interval.
 */
import { truncate } from "../cli/incidents/text.ts";

export interface StatusSnapshot {
  elapsedMs: number;
  /** When the snapshot was taken (epoch ms); retry times are shown relative to it. */
  now?: number;
  phase: string;
  observed: Record<string, number>;
  forwarded: number;
  queues: Record<string, QueueStatus>;
  incidents: { "0": number; "1": number; "2": number; "3": number };
  slack: { posted: number; updated: number; threadReplies: number };
}

export interface QueueStatus {
  visible: number;
  /** ApproximateNumberOfMessagesNotVisible: being processed, or failed and invisible until they come back. */
  inFlight: number;
  dlq: number;
  /** Records a handler failed (the runner knows them) and when they become visible again (epoch ms). */
  awaitingRetry?: { count: number; nextVisibleAt: number; lastVisibleAt: number };
}

export interface StatusOutput {
  write(text: string): void;
  isTTY: boolean;
  /** The terminal's width, read at every draw (a getter follows window resizes). */
  readonly columns?: number;
}

const sum = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0);

/** `2 retrying in 1-3 s`: failed records and when they are visible again, relative to `now`. */
export function formatAwaitingRetry(a: NonNullable<QueueStatus["awaitingRetry"]>, now: number): string {
  const from = Math.max(0, Math.ceil((a.nextVisibleAt - now) / 1000));
  const to = Math.max(0, Math.ceil((a.lastVisibleAt - now) / 1000));
  return `${a.count} retrying in ${from === to ? `${to}` : `${from}-${to}`} s`;
}

function queueNotes(v: QueueStatus, now = Date.now()): string {
  const notes = [v.awaitingRetry ? formatAwaitingRetry(v.awaitingRetry, now) : "", v.dlq ? `dlq ${v.dlq}` : ""].filter(Boolean);
  return notes.length ? ` (${notes.join(", ")})` : "";
}

/** One line, readable in a plain log and under 100 columns for typical runs. */
export function formatStatusLine(s: StatusSnapshot): string {
  const secs = (s.elapsedMs / 1000).toFixed(1).padStart(5);
  const q = Object.entries(s.queues)
    .map(([name, v]) => `${name} ${v.visible + v.inFlight}${queueNotes(v, s.now)}`)
    .join(", ");
  const kinds = Object.entries(s.observed)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(" ");
  return (
    `[${secs}s] ${s.phase} | seen ${sum(s.observed)}${kinds ? ` (${kinds})` : ""} -> sent ${s.forwarded}` +
    ` | queues: ${q} | incidents L0 ${s.incidents["0"]} L1 ${s.incidents["1"]} L2 ${s.incidents["2"]} L3 ${s.incidents["3"]}` +
    ` | slack ${s.slack.posted} posts, ${s.slack.threadReplies} replies, ${s.slack.updated} updates`
  );
}

/** Multi-line block for a terminal. */
export function formatStatusBlock(s: StatusSnapshot): string[] {
  const q = Object.entries(s.queues)
    .map(([name, v]) => `${name}: ${v.visible} waiting, ${v.inFlight} in flight${v.awaitingRetry ? ` (${formatAwaitingRetry(v.awaitingRetry, s.now ?? Date.now())})` : ""}, ${v.dlq} dead`)
    .join("   ");
  const kinds = Object.entries(s.observed)
    .map(([k, n]) => `${k} ${n}`)
    .join("  ");
  return [
    `── oomwatch sandbox ── ${s.phase} ── ${(s.elapsedMs / 1000).toFixed(1)}s`,
    `  forwarder  seen ${sum(s.observed)} (${kinds || "none yet"}), sent ${s.forwarded}`,
    `  queues     ${q}`,
    `  incidents  Level 0: ${s.incidents["0"]}   Level 1: ${s.incidents["1"]}   Level 2: ${s.incidents["2"]}   Level 3: ${s.incidents["3"]}`,
    `  slack      ${s.slack.posted} messages, ${s.slack.threadReplies} thread replies, ${s.slack.updated} updates`,
  ];
}

/**
 * Terminal rows `lines` take at `columns`: a terminal that reflows on resize (most do) wraps a
 * line drawn at a wider window over several rows, and the erase must move up over all of them.
 */
export function rowsTaken(lengths: readonly number[], columns: number): number {
  const width = Math.max(1, columns);
  return lengths.reduce((rows, len) => rows + Math.max(1, Math.ceil(len / width)), 0);
}

export class StatusDisplay {
  /** Lengths of the block lines on screen (empty when none): what the next erase moves up over. */
  private drawn: number[] = [];
  /** The last status block, uncut: redrawn under every log line so it stays visible. */
  private block: string[] = [];
  private lastLine = "";
  private lastPrint = 0;

  constructor(
    private readonly out: StatusOutput,
    private readonly plainIntervalMs = 2000,
  ) {}

  /** Prints text above the status block (Slack activity, notices); on a TTY the block is drawn again under it. */
  log(text: string): void {
    this.clear();
    this.out.write(text.endsWith("\n") ? text : `${text}\n`);
    this.draw();
  }

  update(s: StatusSnapshot, force = false): void {
    if (this.out.isTTY) {
      this.block = formatStatusBlock(s);
      this.clear();
      this.draw();
      return;
    }
    const line = formatStatusLine(s);
    const changed = line.replace(/^\[[^\]]*\]/, "") !== this.lastLine.replace(/^\[[^\]]*\]/, "");
    if (force || (changed && s.elapsedMs - this.lastPrint >= this.plainIntervalMs)) {
      this.out.write(`${line}\n`);
      this.lastLine = line;
      this.lastPrint = s.elapsedMs;
    }
  }

  private columns(): number {
    return this.out.columns ?? 100;
  }

  private draw(): void {
    if (!this.out.isTTY || this.block.length === 0) return;
    // One column short of the width: a line that wraps (or fills the last column, which some
    // terminals wrap at once) takes two rows, and the cursor-up count of the next erase would be off.
    const lines = this.block.map((l) => truncate(l, this.columns() - 1));
    this.out.write(`${lines.join("\n")}\n`);
    this.drawn = lines.map((l) => l.length);
  }

  private clear(): void {
    if (!this.out.isTTY || this.drawn.length === 0) return;
    // Move up over the previous block (at today's width: the window may have shrunk since) and erase to the end of the screen.
    this.out.write(`\x1b[${rowsTaken(this.drawn, this.columns())}A\x1b[0J`);
    this.drawn = [];
  }
}
