import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WebClient } from "@slack/web-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sinkDataPaths, startSlackSink, type SlackSink } from "../../sandbox/slack-sink.ts";
import { dataDirSource, sinkSource, startSlackView, type SlackView } from "../../sandbox/slack-view/server.ts";

const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==", "base64");

describe("slack view server", () => {
  let dir: string;
  let sink: SlackSink;
  let view: SlackView;
  let slack: WebClient;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "oomwatch-view-"));
    sink = await startSlackSink({ channels: ["oom-alerts"], ...sinkDataPaths(dir) });
    view = await startSlackView({ source: sinkSource(sink), port: 0 });
    sink.setPermalinkBase(view.url);
    slack = new WebClient(sink.token, { slackApiUrl: sink.url, retryConfig: { retries: 0 } });
  });
  afterAll(async () => {
    await view.stop();
    await sink.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("pushes an event for every change, serves the page, the permalink and the files", async () => {
    const events = await fetch(`${view.url}events`);
    const reader = events.body!.getReader();
    const next = async () => new TextDecoder().decode((await reader.read()).value);
    expect(await next()).toContain("data: 0");

    const parent = await slack.chat.postMessage({ channel: "#oom-alerts", text: "*OOM* in `api`" });
    expect(await next()).toBe("data: 1\n\n");
    await slack.files.uploadV2({ channel_id: parent.channel!, thread_ts: parent.ts!, file: PNG, filename: "chart.png", title: "chart" });
    expect(await next()).toBe("data: 2\n\n");
    await reader.cancel();

    const page = await fetch(view.url).then((r) => r.text());
    expect(page).toContain("<b>OOM</b> in <code>api</code>");
    expect(page).toContain("1 reply");

    const reply = sink.messages().find((m) => m.thread_ts === parent.ts)!;
    const { permalink } = await slack.chat.getPermalink({ channel: parent.channel!, message_ts: reply.ts });
    expect(permalink).toBe(`${view.url}archives/${parent.channel}/p${reply.ts.replace(".", "")}?thread_ts=${parent.ts}&cid=${parent.channel}`);
    const thread = await fetch(permalink!).then((r) => r.text());
    expect(thread).toMatch(/class="thread-pane"[\s\S]*class="msg reply highlight"[\s\S]*<img src="(\/files\/F[A-Z0-9]+\/chart\.png)"/);

    const src = /<img src="(\/files\/[^"]+)"/.exec(thread)![1]!;
    const image = await fetch(new URL(src, view.url));
    expect(image.headers.get("content-type")).toBe("image/png");
    expect(Buffer.from(await image.arrayBuffer()).equals(PNG)).toBe(true);
    expect((await fetch(`${view.url}files/F00000000`)).status).toBe(404);
    expect((await fetch(`${view.url}api/auth.test`)).status).toBe(404);
  });

  it("serves a stopped sandbox's data dir, and says so when there is none", async () => {
    await slack.chat.postMessage({ channel: "#oom-alerts", text: "from the state file" });
    const fromDisk = await startSlackView({ source: dataDirSource(dir), port: 0 });
    try {
      expect(await fetch(fromDisk.url).then((r) => r.text())).toContain("from the state file");
    } finally {
      await fromDisk.stop();
    }
    expect(() => dataDirSource(join(dir, "nothing-here"))).toThrow(/no Slack workspace in .*nothing-here/);
  });

  it("uses a free port when the wanted one is taken", async () => {
    const blocker = createServer();
    const port = await new Promise<number>((resolve) => blocker.listen(0, "127.0.0.1", () => resolve((blocker.address() as { port: number }).port)));
    try {
      const other = await startSlackView({ source: sinkSource(sink), port });
      expect(other.portFallback).toBe(true);
      expect(other.url).not.toContain(`:${port}/`);
      await other.stop();
    } finally {
      blocker.close();
    }
  });
});
