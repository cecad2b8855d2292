import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ErrorCode, WebClient, type WebAPICallError } from "@slack/web-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SINK_SCOPES, startSlackSink, type SlackSink } from "../../sandbox/slack-sink.ts";

const client = (sink: SlackSink) => new WebClient(sink.token, { slackApiUrl: sink.url, retryConfig: { retries: 0 }, timeout: 2000 });
// The smallest valid PNG: 1x1, one grey pixel.
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==", "base64");

async function slackError(p: Promise<unknown>): Promise<WebAPICallError> {
  try {
    await p;
  } catch (e) {
    return e as WebAPICallError;
  }
  throw new Error("expected the call to fail");
}
const errorOf = (e: WebAPICallError) => (e.code === ErrorCode.PlatformError ? e.data.error : e.message);

describe("slack sink file uploads through @slack/web-api files.uploadV2", () => {
  let dir: string;
  let sink: SlackSink;
  let slack: WebClient;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "oomwatch-sink-files-"));
    sink = await startSlackSink({ channels: ["oom-alerts"], stateFile: join(dir, "ws.json"), filesDir: join(dir, "files") });
    slack = client(sink);
  });
  afterAll(async () => {
    await sink.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("uploads a PNG into a thread, keeps its bytes in the files dir and lists it in the thread", async () => {
    const parent = await slack.chat.postMessage({ channel: "#oom-alerts", text: "parent" });
    const result = await slack.files.uploadV2({
      channel_id: parent.channel!,
      thread_ts: parent.ts!,
      file: PNG,
      filename: "memory.png",
      title: "Memory of payments/api",
      alt_text: "memory chart",
    });
    expect(result.ok).toBe(true);
    const uploaded = ((result as { files?: unknown }).files as Array<{ files?: Array<{ id: string; mimetype: string; size: number; title: string }> }>)[0]?.files?.[0];
    expect(uploaded).toMatchObject({ mimetype: "image/png", size: PNG.length, title: "Memory of payments/api" });
    expect(readFileSync(join(dir, "files", uploaded!.id)).equals(PNG)).toBe(true);
    expect(sink.file(uploaded!.id)?.bytes.equals(PNG)).toBe(true);

    const thread = await slack.conversations.replies({ channel: parent.channel!, ts: parent.ts! });
    expect(thread.messages).toHaveLength(2);
    expect(thread.messages?.[1]).toMatchObject({ thread_ts: parent.ts, files: [{ id: uploaded!.id, name: "memory.png", alt_txt: "memory chart" }] });
    // The shared file is in the state file at once, not only at a clean stop.
    const state = JSON.parse(readFileSync(join(dir, "ws.json"), "utf8")) as { messages: Array<{ files?: Array<{ id: string }> }> };
    expect(state.messages.some((m) => m.files?.[0]?.id === uploaded!.id)).toBe(true);
  });

  it("answers Slack's errors for bad uploads", async () => {
    const parent = await slack.chat.postMessage({ channel: "#oom-alerts", text: "parent" });
    expect(errorOf(await slackError(slack.files.uploadV2({ channel_id: "C0NOTHERE0", file: PNG, filename: "a.png" })))).toBe("channel_not_found");
    expect(errorOf(await slackError(slack.files.uploadV2({ channel_id: parent.channel!, thread_ts: "1.000001", file: PNG, filename: "a.png" })))).toBe("thread_not_found");
    // Completing an id whose bytes never arrived.
    const reserved = await slack.files.getUploadURLExternal({ filename: "x.png", length: 10 });
    expect(errorOf(await slackError(slack.files.completeUploadExternal({ files: [{ id: reserved.file_id! }], channel_id: parent.channel! })))).toBe("file_not_found");
    expect(errorOf(await slackError(slack.files.getUploadURLExternal({ filename: "", length: 0 })))).toBe("invalid_arguments");
  });

  it("refuses uploads with missing_scope when the token lacks files:write", async () => {
    const limited = await startSlackSink({ channels: ["oom-alerts"], scopes: SINK_SCOPES.filter((s) => s !== "files:write") });
    try {
      const c = client(limited);
      await expect(c.chat.postMessage({ channel: "#oom-alerts", text: "still allowed" })).resolves.toMatchObject({ ok: true });
      const err = await slackError(c.files.uploadV2({ channel_id: limited.channel("oom-alerts")!.id, file: PNG, filename: "a.png" }));
      expect(errorOf(err)).toBe("missing_scope");
      expect(err.code === ErrorCode.PlatformError && (err.data as { needed?: string }).needed).toBe("files:write");
    } finally {
      await limited.stop();
    }
  });
});
