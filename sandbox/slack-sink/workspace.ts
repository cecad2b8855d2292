/** The sink's pretend workspace: channels (by id and name) and the messages posted to them. */
import { randomBytes } from "node:crypto";
import { isSlackChannelId } from "../../shared/slack-ids.ts";
import type { SinkChannel, SinkMessage } from "./types.ts";

const channelId = () => `C${randomBytes(5).toString("hex").toUpperCase()}`;

/** What a workspace keeps across sink restarts (the sandbox's data dir), like a real Slack would. */
export interface WorkspaceState {
  channels: SinkChannel[];
  messages: SinkMessage[];
  lastTs: number;
}

export class Workspace {
  private readonly byId = new Map<string, SinkChannel>();
  private readonly byName = new Map<string, SinkChannel>();
  private readonly list: SinkMessage[] = [];
  private lastTs = 0;

  constructor(
    names: string[],
    private readonly autoCreate: boolean,
  ) {
    for (const n of names) this.create(n);
  }

  create(name: string): SinkChannel {
    const clean = name.replace(/^#/, "");
    const existing = this.byName.get(clean);
    if (existing) return existing;
    const ch = { id: channelId(), name: clean };
    this.byId.set(ch.id, ch);
    this.byName.set(clean, ch);
    return ch;
  }

  /** Slack accepts an id, `name` or `#name` for posting. */
  channel(ref: string, forPosting = false): SinkChannel | undefined {
    const found = this.byId.get(ref) ?? this.byName.get(ref.replace(/^#/, ""));
    if (found || !forPosting || !this.autoCreate || isSlackChannelId(ref)) return found;
    return this.create(ref);
  }

  snapshot(): WorkspaceState {
    return { channels: this.channels(), messages: this.messages(), lastTs: this.lastTs };
  }

  /** Brings back channels and messages saved by `snapshot` (ids kept, so stored refs stay valid). */
  restore(state: WorkspaceState): void {
    for (const ch of state.channels) {
      this.byName.delete(ch.name);
      for (const [id, existing] of this.byId) if (existing.name === ch.name) this.byId.delete(id);
      this.byId.set(ch.id, ch);
      this.byName.set(ch.name, ch);
    }
    this.list.push(...state.messages);
    this.lastTs = Math.max(this.lastTs, state.lastTs);
  }

  channels(): SinkChannel[] {
    return [...this.byId.values()];
  }

  /** Slack timestamps: unique, increasing, `seconds.micros`. */
  nextTs(): string {
    const now = Date.now() * 1000;
    this.lastTs = Math.max(now, this.lastTs + 1);
    const s = String(this.lastTs);
    return `${s.slice(0, -6)}.${s.slice(-6)}`;
  }

  add(m: SinkMessage): void {
    this.list.push(m);
  }

  /** Deletes a message (and, like Slack, leaves its replies orphaned). */
  remove(channel: string, ts: string): boolean {
    const i = this.list.findIndex((m) => m.channel === channel && m.ts === ts);
    if (i >= 0) this.list.splice(i, 1);
    return i >= 0;
  }

  find(channel: string, ts: string): SinkMessage | undefined {
    return this.list.find((m) => m.channel === channel && m.ts === ts);
  }

  messages(): SinkMessage[] {
    return [...this.list];
  }

  replies(channel: string, threadTs: string): SinkMessage[] {
    return this.list.filter((m) => m.channel === channel && m.thread_ts === threadTs);
  }
}
