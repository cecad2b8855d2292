import { ErrorCode, WebClient, type WebAPICallError } from "@slack/web-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSlackSink, type SlackSink } from "../../sandbox/slack-sink.ts";

const client = (sink: SlackSink, token = sink.token) =>
  new WebClient(token, { slackApiUrl: sink.url, rejectRateLimitedCalls: true, retryConfig: { retries: 0 }, timeout: 500 });

async function slackError(p: Promise<unknown>): Promise<WebAPICallError> {
  try {
    await p;
  } catch (e) {
    return e as WebAPICallError;
  }
  throw new Error("expected the call to fail");
}

describe("slack sink through @slack/web-api", () => {
  let sink: SlackSink;
  let slack: WebClient;
  beforeAll(async () => {
    sink = await startSlackSink({ channels: ["oom-alerts", "payments"] });
    slack = client(sink);
  });
  afterAll(() => sink.stop());

  it("requires a valid token", async () => {
    expect(sink.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
    const bad = await slackError(client(sink, "xoxb-wrong").auth.test());
    expect(bad.code).toBe(ErrorCode.PlatformError);
    expect(bad.code === ErrorCode.PlatformError && bad.data.error).toBe("invalid_auth");
    const none = await fetch(`${sink.url}auth.test`, { method: "POST" }).then((r) => r.json());
    expect(none).toEqual({ ok: false, error: "not_authed" });
    await expect(slack.auth.test()).resolves.toMatchObject({ ok: true, user_id: expect.any(String) });
  });

  it("posts, returns the channel id, and serves metadata through conversations.history", async () => {
    const posted = await slack.chat.postMessage({
      channel: "#payments",
      text: "fallback",
      blocks: [{ type: "section", text: { type: "mrkdwn", text: "*hi*" } }],
      metadata: { event_type: "oomwatch_incident", event_payload: { incident_id: "i-1" } },
    });
    expect(posted.channel).toBe(sink.channel("payments")?.id);
    const history = await slack.conversations.history({ channel: posted.channel!, include_all_metadata: true, limit: 10 });
    expect(history.messages?.[0]).toMatchObject({ ts: posted.ts, text: "fallback", metadata: { event_type: "oomwatch_incident", event_payload: { incident_id: "i-1" } } });
    const plain = await slack.conversations.history({ channel: posted.channel! });
    expect(plain.messages?.[0]?.metadata).toBeUndefined();
  });

  it("accepts JSON bodies with a bearer token", async () => {
    const res = await fetch(`${sink.url}chat.postMessage`, {
      method: "POST",
      headers: { authorization: `Bearer ${sink.token}`, "content-type": "application/json" },
      body: JSON.stringify({ channel: "oom-alerts", text: "json body", blocks: [{ type: "divider" }] }),
    }).then((r) => r.json() as Promise<{ ok: boolean; ts: string }>);
    expect(res.ok).toBe(true);
    expect(sink.messages().find((m) => m.ts === res.ts)?.text).toBe("json body");
  });

  it("answers Slack's error codes", async () => {
    const code = async (p: Promise<unknown>) => {
      const e = await slackError(p);
      return e.code === ErrorCode.PlatformError ? e.data.error : e.code;
    };
    expect(await code(slack.chat.postMessage({ channel: "#nope", text: "x" }))).toBe("channel_not_found");
    const divider = { type: "divider" as const };
    expect(await code(slack.chat.postMessage({ channel: "oom-alerts", text: "x", blocks: Array(51).fill(divider) }))).toBe("invalid_blocks");
    const long = { type: "section" as const, text: { type: "mrkdwn" as const, text: "a".repeat(3001) } };
    expect(await code(slack.chat.postMessage({ channel: "oom-alerts", text: "x", blocks: [long] }))).toBe("invalid_blocks");
    const header = { type: "header" as const, text: { type: "plain_text" as const, text: "h".repeat(151) } };
    expect(await code(slack.chat.postMessage({ channel: "oom-alerts", text: "x", blocks: [header] }))).toBe("invalid_blocks");
    expect(await code(slack.chat.postMessage({ channel: "oom-alerts", text: "x".repeat(40_001) }))).toBe("msg_too_long");
    expect(await code(slack.chat.update({ channel: "oom-alerts", ts: "1.000001", text: "x" }))).toBe("message_not_found");
    expect(await code(slack.chat.postMessage({ channel: "oom-alerts", text: "" }))).toBe("no_text");
    // exactly at the limits is fine
    const ok = await slack.chat.postMessage({ channel: "oom-alerts", text: "x", blocks: [...Array(49).fill(divider), { ...long, text: { type: "mrkdwn", text: "a".repeat(3000) } }] });
    expect(ok.ok).toBe(true);
  });

  it("threads replies, keeps edit history and counts", async () => {
    const before = { ...sink.counters };
    const parent = await slack.chat.postMessage({ channel: "oom-alerts", text: "v1" });
    await slack.chat.postMessage({ channel: parent.channel!, thread_ts: parent.ts!, text: "reply" });
    await slack.chat.update({ channel: parent.channel!, ts: parent.ts!, text: "v2" });
    const m = sink.messages().find((x) => x.ts === parent.ts)!;
    expect(m.text).toBe("v2");
    expect(m.edits.map((e) => e.text)).toEqual(["v1"]);
    expect(sink.counters.posted - before.posted).toBe(1);
    expect(sink.counters.threadReplies - before.threadReplies).toBe(1);
    expect(sink.counters.updated - before.updated).toBe(1);
    const replies = await slack.conversations.replies({ channel: parent.channel!, ts: parent.ts! });
    expect(replies.messages?.map((x) => x.text)).toEqual(["v2", "reply"]);
    const history = await slack.conversations.history({ channel: parent.channel!, limit: 1 });
    expect(history.messages?.[0]).toMatchObject({ ts: parent.ts, reply_count: 1 });
    expect(history.has_more).toBe(true);
    const link = await slack.chat.getPermalink({ channel: parent.channel!, message_ts: parent.ts! });
    expect(link.permalink).toContain(parent.channel!);
    await slack.chat.delete({ channel: parent.channel!, ts: parent.ts! });
    expect(sink.messages().some((x) => x.ts === parent.ts)).toBe(false);
    expect(sink.counters.deleted).toBeGreaterThanOrEqual(1);
    await expect(slack.chat.delete({ channel: parent.channel!, ts: parent.ts! })).rejects.toMatchObject({ data: { error: "message_not_found" } });
  });

  it("lists channels (ids for conversations.history) and notifies subscribers", async () => {
    const list = await slack.conversations.list({ limit: 1 });
    expect(list.channels).toHaveLength(1);
    expect(list.response_metadata?.next_cursor).not.toBe("");
    const seen: string[] = [];
    const unsubscribe = sink.subscribe((m, change) => seen.push(`${change}:${m.text}`));
    const posted = await slack.chat.postMessage({ channel: "oom-alerts", text: "watched" });
    await slack.chat.update({ channel: posted.channel!, ts: posted.ts!, text: "watched v2" });
    unsubscribe();
    await slack.chat.postMessage({ channel: "oom-alerts", text: "unwatched" });
    expect(seen).toEqual(["posted:watched", "updated:watched v2"]);
  });

  it("injects faults: 500, hang past the client timeout, 429, platform errors", async () => {
    sink.inject({ kind: "status", status: 500 });
    expect((await slackError(slack.auth.test())).code).toBe(ErrorCode.HTTPError);
    sink.inject({ kind: "hang" });
    expect((await slackError(slack.auth.test())).code).toBe(ErrorCode.RequestError);
    sink.inject({ kind: "ratelimit", retryAfterSeconds: 7, methods: ["chat.postMessage"] });
    await expect(slack.auth.test()).resolves.toMatchObject({ ok: true }); // other methods unaffected
    const limited = await slackError(slack.chat.postMessage({ channel: "oom-alerts", text: "x" }));
    expect(limited.code === ErrorCode.RateLimitedError && limited.retryAfter).toBe(7);
    sink.inject({ kind: "error", error: "account_inactive", count: 2 });
    await slackError(slack.auth.test());
    const second = await slackError(slack.auth.test());
    expect(second.code === ErrorCode.PlatformError && second.data.error).toBe("account_inactive");
    await expect(slack.auth.test()).resolves.toMatchObject({ ok: true });
  });

  it("renders messages readably", async () => {
    const posted = await slack.chat.postMessage({
      channel: "oom-alerts",
      text: "fallback",
      blocks: [
        { type: "header", text: { type: "plain_text", text: "Level 1" } },
        { type: "section", text: { type: "mrkdwn", text: "a &lt;b&gt; <https://x.test|docs> <!date^1700000000^{date}|2023-11-14>" } },
      ],
    });
    const out = sink.render(sink.messages().find((m) => m.ts === posted.ts)!);
    expect(out).toContain("#oom-alerts");
    expect(out).toContain("== Level 1 ==");
    expect(out).toContain("a <b> docs (https://x.test) 2023-11-14");
  });
});

describe("slack sink options", () => {
  it("rate limits about one message per second per channel with Retry-After", async () => {
    const sink = await startSlackSink({ rateLimit: true, channels: ["a", "b"] });
    try {
      const slack = client(sink);
      await slack.chat.postMessage({ channel: "a", text: "1" });
      await slack.chat.postMessage({ channel: "b", text: "1" }); // other channel has its own budget
      const e = await slackError(slack.chat.postMessage({ channel: "a", text: "2" }));
      expect(e.code).toBe(ErrorCode.RateLimitedError);
      expect(e.code === ErrorCode.RateLimitedError && e.retryAfter).toBeGreaterThanOrEqual(1);
      expect(sink.counters.rateLimited).toBe(1);
      expect(sink.counters.posted).toBe(2);
    } finally {
      await sink.stop();
    }
  });

  it("auto-creates channels when asked", async () => {
    const sink = await startSlackSink({ autoCreateChannels: true, channels: [] });
    try {
      const res = await client(sink).chat.postMessage({ channel: "#team-x", text: "hi" });
      expect(sink.channel("team-x")?.id).toBe(res.channel);
      // ids that do not exist are still unknown
      await expect(client(sink).chat.postMessage({ channel: "C0123456789", text: "hi" })).rejects.toMatchObject({ data: { error: "channel_not_found" } });
    } finally {
      await sink.stop();
    }
  });
});

describe("slack sink state file", () => {
  it("keeps channels and messages across a restart, so stored message refs can still be updated", async () => {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = mkdtempSync(join(tmpdir(), "slack-state-"));
    try {
      const stateFile = join(dir, "slack.json");
      const first = await startSlackSink({ autoCreateChannels: true, stateFile });
      const posted = await client(first).chat.postMessage({ channel: "#payments-oncall", text: "parent" });
      await first.stop();

      const second = await startSlackSink({ autoCreateChannels: true, stateFile });
      try {
        const updated = await client(second).chat.update({ channel: posted.channel!, ts: posted.ts!, text: "parent, updated" });
        expect(updated.ok).toBe(true);
        expect(second.messages().map((m) => [m.channelName, m.text])).toEqual([["payments-oncall", "parent, updated"]]);
        // Counters are per run: the restored message was not posted by this run.
        expect(second.counters).toMatchObject({ posted: 0, updated: 1 });
        const next = await client(second).chat.postMessage({ channel: "#payments-oncall", text: "later" });
        expect(Number(next.ts)).toBeGreaterThan(Number(posted.ts));
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
