/**
 * Live progress of a sandbox run. On a TTY the status block is redrawn in place
 * under the log of Slack messages; in a plain log (CI, `| tee`) it prints one
 * compact line whenever something changed, at most once per interval.
 */

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
  columns?: number;
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

export class StatusDisplay {
  private drawnLines = 0;
  private lastLine = "";
  private lastPrint = 0;

  constructor(
    private readonly out: StatusOutput,
    private readonly plainIntervalMs = 2000,
  ) {}

  /** Prints text above the status block (Slack messages, notices). */
  log(text: string): void {
    this.clear();
    this.out.write(text.endsWith("\n") ? text : `${text}\n`);
  }

  update(s: StatusSnapshot, force = false): void {
    if (this.out.isTTY) {
      this.clear();
      const width = this.out.columns ?? 100;
      const lines = formatStatusBlock(s).map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l));
      this.out.write(`${lines.join("\n")}\n`);
      this.drawnLines = lines.length;
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

  private clear(): void {
    if (!this.out.isTTY || this.drawnLines === 0) return;
    // Move up over the previous block and erase it.
    this.out.write(`\x1b[${this.drawnLines}A\x1b[0J`);
    this.drawnLines = 0;
  }
}
