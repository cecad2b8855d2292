/** Shapes the Slack sink keeps and exposes (a subset of Slack's own message objects). */

export interface SinkMetadata {
  event_type: string;
  event_payload: Record<string, unknown>;
}

export interface SinkEdit {
  /** When the edit was received (Slack-style ts). */
  at: string;
  text: string;
  blocks?: unknown[];
}

/** A file shared with files.completeUploadExternal (the bytes live in the sink's files dir). */
export interface SinkFile {
  id: string;
  name: string;
  title: string;
  mimetype: string;
  size: number;
  alt_txt?: string;
}

export interface SinkMessage {
  /** Channel id (`C...`), as Slack returns it. */
  channel: string;
  channelName: string;
  ts: string;
  /** Set on thread replies: the parent's ts. */
  thread_ts?: string;
  text: string;
  blocks?: unknown[];
  metadata?: SinkMetadata;
  /** Files shared with this message (an upload's message), in upload order. */
  files?: SinkFile[];
  /** Previous versions, oldest first; the fields above hold the current one. */
  edits: SinkEdit[];
}

export interface SinkChannel {
  id: string;
  name: string;
}

/**
 * A fault for the next `count` matching calls (default 1):
 * `status` answers that HTTP status, `hang` never answers (until stop),
 * `ratelimit` answers 429 with Retry-After, `error` answers `{ok:false, error}`.
 */
export type SinkFault =
  | { kind: "status"; status: number; count?: number; methods?: string[] }
  | { kind: "hang"; count?: number; methods?: string[] }
  | { kind: "ratelimit"; retryAfterSeconds?: number; count?: number; methods?: string[] }
  | { kind: "error"; error: string; count?: number; methods?: string[] };

export interface SinkCounters {
  /** Top-level messages posted. */
  posted: number;
  updated: number;
  threadReplies: number;
  deleted: number;
  /** Calls answered 429 by the rate limiter or a fault. */
  rateLimited: number;
}
