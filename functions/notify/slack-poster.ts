/**
 * The Slack Web API calls notify makes, through the real `@slack/web-api` client:
 * post (with incident metadata), update, permalink, and the recovery lookup
 * that finds an already-posted parent by the incident id in its metadata.
 */
import { WebClient, type MessageMetadata, type WebClientOptions } from "@slack/web-api";
import type { Incident } from "../../shared/schema/incident.ts";
import { isSlackChannelId } from "../../shared/slack-ids.ts";
import type { SlackMessage } from "./message.ts";
import type { MessageRef } from "./slack-ref.ts";

/** Slack message metadata `event_type` of oomwatch incident messages. */
export const METADATA_EVENT_TYPE = "oomwatch_incident";

/**
 * `victim`: a node-OOM victim's reply in the node incident's thread; `runbook`: the first
 * reply in an incident's own thread (full runbook and evidence); `resolved`: the reply that
 * says the incident is over.
 */
export type MessageRole = "owner" | "ops" | "victim" | "runbook" | "resolved";

/** Bounded retries and a timeout well inside the function's 30 s; never wait out a rate limit. */
export function slackClientOptions(slackApiUrl?: string, opts: { timeoutMs?: number; retries?: number } = {}): WebClientOptions {
  return {
    ...(slackApiUrl ? { slackApiUrl } : {}),
    rejectRateLimitedCalls: true,
    timeout: opts.timeoutMs ?? 4000,
    retryConfig: { retries: opts.retries ?? 1, factor: 1, minTimeout: 200, maxTimeout: 500 },
  };
}

export function createSlackClient(token: string, slackApiUrl?: string, opts: { timeoutMs?: number; retries?: number } = {}): WebClient {
  return new WebClient(token, slackClientOptions(slackApiUrl, opts));
}

export function incidentMetadata(i: Incident, role: MessageRole, revision: number): MessageMetadata {
  return {
    event_type: METADATA_EVENT_TYPE,
    event_payload: { incident_id: i.id, role, level: i.level, revision, cluster: i.cluster },
  };
}

/** Whether message metadata marks an oomwatch message of this incident and role. */
function isIncidentMessage(metadata: { event_type?: string; event_payload?: unknown } | undefined, incidentId: string, role: MessageRole): boolean {
  // the response types declare event_payload as `{}`
  const payload = metadata?.event_payload as Record<string, unknown> | undefined;
  return metadata?.event_type === METADATA_EVENT_TYPE && payload?.incident_id === incidentId && payload.role === role;
}

/** How far back to look for a parent, before the incident's first occurrence (clock skew). */
const LOOKBACK_SECONDS = 600;
const MAX_HISTORY_PAGES = 5;
const MAX_LIST_PAGES = 10;

export class SlackPoster {
  /** Channel name → id, learned from posts and conversations.list (per cold start). */
  private readonly ids = new Map<string, string>();

  constructor(readonly client: WebClient) {}

  async post(channel: string, msg: SlackMessage, metadata: MessageMetadata, threadTs?: string): Promise<MessageRef> {
    const res = await this.client.chat.postMessage({
      channel,
      text: msg.text,
      blocks: msg.blocks,
      metadata,
      unfurl_links: false,
      unfurl_media: false,
      ...(threadTs ? { thread_ts: threadTs } : {}),
    });
    if (res.channel && !isSlackChannelId(channel)) this.ids.set(channel.replace(/^#/, ""), res.channel);
    return { channel: res.channel ?? channel, ts: res.ts ?? "" };
  }

  async update(ref: MessageRef, msg: SlackMessage, metadata: MessageMetadata): Promise<void> {
    await this.client.chat.update({ channel: ref.channel, ts: ref.ts, text: msg.text, blocks: msg.blocks, metadata });
  }

  /** Best effort: a link is nice to have, never a reason to fail the record. */
  async permalink(ref: MessageRef): Promise<string | undefined> {
    try {
      return (await this.client.chat.getPermalink({ channel: ref.channel, message_ts: ref.ts })).permalink;
    } catch {
      return undefined;
    }
  }

  /** conversations.history needs an id; a name is resolved through conversations.list. */
  private async channelId(channel: string): Promise<string | undefined> {
    if (isSlackChannelId(channel)) return channel;
    const name = channel.replace(/^#/, "");
    const known = this.ids.get(name);
    if (known) return known;
    let cursor: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const res = await this.client.conversations.list({ types: "public_channel,private_channel", exclude_archived: true, limit: 1000, ...(cursor ? { cursor } : {}) });
      for (const c of res.channels ?? []) if (c.name && c.id) this.ids.set(c.name, c.id);
      if (this.ids.has(name)) return this.ids.get(name);
      cursor = res.response_metadata?.next_cursor;
      if (!cursor) break;
    }
    return undefined;
  }

  /**
   * Finds a top-level message this app posted for the incident (metadata
   * `incident_id` and `role`), in any of the channels it may have gone to.
   */
  async findPosted(channels: string[], incidentId: string, role: MessageRole, since: string): Promise<MessageRef | undefined> {
    const oldest = String(Math.floor(Date.parse(since) / 1000) - LOOKBACK_SECONDS);
    for (const channel of new Set(channels)) {
      const id = await this.channelId(channel);
      if (!id) continue;
      let cursor: string | undefined;
      for (let page = 0; page < MAX_HISTORY_PAGES; page++) {
        const res = await this.client.conversations.history({ channel: id, oldest, limit: 200, include_all_metadata: true, ...(cursor ? { cursor } : {}) });
        const hit = res.messages?.find((m) => isIncidentMessage(m.metadata, incidentId, role));
        if (hit?.ts) return { channel: id, ts: hit.ts };
        cursor = res.response_metadata?.next_cursor;
        if (!res.has_more || !cursor) break;
      }
    }
    return undefined;
  }

  /** Finds a reply this app posted for the incident (metadata `incident_id` and `role`) in a thread. */
  async findReply(thread: MessageRef, incidentId: string, role: MessageRole): Promise<MessageRef | undefined> {
    let cursor: string | undefined;
    for (let page = 0; page < MAX_HISTORY_PAGES; page++) {
      const res = await this.client.conversations.replies({ channel: thread.channel, ts: thread.ts, limit: 200, include_all_metadata: true, ...(cursor ? { cursor } : {}) });
      const hit = res.messages?.find((m) => m.ts !== thread.ts && isIncidentMessage(m.metadata, incidentId, role));
      if (hit?.ts) return { channel: thread.channel, ts: hit.ts };
      cursor = res.response_metadata?.next_cursor;
      if (!res.has_more || !cursor) break;
    }
    return undefined;
  }

  /** Uploads a file into a thread (files.uploadV2: getUploadURLExternal, upload, completeUploadExternal); needs files:write. */
  async uploadToThread(thread: MessageRef, file: Buffer, filename: string, title: string, comment?: string): Promise<void> {
    await this.client.files.uploadV2({
      channel_id: thread.channel,
      thread_ts: thread.ts,
      file,
      filename,
      title,
      ...(comment ? { initial_comment: comment } : {}),
    });
  }

  async delete(ref: MessageRef): Promise<void> {
    await this.client.chat.delete({ channel: ref.channel, ts: ref.ts });
  }
}
