import { describe, expect, it } from "vitest";
import { formatIncident } from "../../cli/incidents/format-show.ts";
import { makeIncident } from "../queries/fixtures.ts";
import { permalinkPath } from "../../sandbox/slack-sink/permalink.ts";
import { parseRoute, renderApp } from "../../sandbox/slack-view/page.ts";
import { mrkdwnToHtml, renderBody, type RenderContext } from "../../sandbox/slack-view/render.ts";
import type { WorkspaceState } from "../../sandbox/slack-sink.ts";

const ctx: RenderContext = { channels: [{ id: "C0OPS00001", name: "ops" }], users: { U0OOMWATCH: "oomwatch" } };
const md = (s: string) => mrkdwnToHtml(s, ctx);

describe("mrkdwn to HTML", () => {
  it("formats bold, italic, strike and code only at word edges", () => {
    expect(md("*bold* _it_ ~gone~ `x*y*`")).toBe("<b>bold</b> <i>it</i> <s>gone</s> <code>x*y*</code>");
    expect(md("snake_case_name and 2*3*4")).toBe("snake_case_name and 2*3*4");
    expect(md("```\nline <1>\n*not bold*\n```")).toBe('<pre class="code-block">line &lt;1&gt;\n*not bold*</pre>');
    expect(md("said:\n&gt; first\n&gt; *second*\nafter")).toBe("said:<br><blockquote>first<br><b>second</b></blockquote>after");
  });

  it("turns Slack's entities into text and never lets text become markup", () => {
    expect(md("a &lt;b&gt; &amp; \"q\" <script>")).toBe("a &lt;b&gt; &amp; &quot;q&quot; &lt;script&gt;");
    expect(md("`&lt;img src=x onerror=alert(1)&gt;`")).toBe("<code>&lt;img src=x onerror=alert(1)&gt;</code>");
  });

  it("renders links, mentions, channels, dates with their fallback and known emoji", () => {
    expect(md("<https://example.com/a?b=1&amp;c=2|the *docs*>")).toBe('<a href="https://example.com/a?b=1&amp;c=2" target="_blank" rel="noopener">the *docs*</a>');
    expect(md("<javascript:alert(1)|x>")).toBe("&lt;javascript:alert(1)|x&gt;");
    expect(md("<!here> <@U0OOMWATCH> <!subteam^S1|@oncall-sre> <#C0OPS00001>")).toBe(
      '<span class="mention">@here</span> <span class="mention">@oomwatch</span> <span class="mention">@oncall-sre</span> <a class="mention channel-link" href="/archives/C0OPS00001">#ops</a>',
    );
    expect(md("<!date^1700000000^{date_short_pretty} {time_secs}|2023-11-14 22:13:20 UTC>")).toBe(
      '<time class="slack-date" datetime="2023-11-14T22:13:20.000Z" data-format="{date_short_pretty} {time_secs}">2023-11-14 22:13:20 UTC</time>',
    );
    expect(md(":red_circle: *L3* :no_such_emoji:")).toBe('<span class="emoji" title=":red_circle:">🔴</span> <b>L3</b> :no_such_emoji:');
  });
});

describe("Block Kit", () => {
  it("renders header, section fields, context and divider; text is only the fallback", () => {
    const html = renderBody(
      {
        text: "fallback only",
        blocks: [
          { type: "header", text: { type: "plain_text", text: "OOM <api>", emoji: true } },
          { type: "section", fields: [{ type: "mrkdwn", text: "*Cluster*\n`demo`" }] },
          { type: "divider" },
          { type: "context", elements: [{ type: "mrkdwn", text: "incident `i-1`" }] },
        ],
      },
      ctx,
    );
    expect(html).toContain('<div class="block header">OOM &lt;api&gt;</div>');
    expect(html).toContain('<div class="field"><b>Cluster</b><br><code>demo</code></div>');
    expect(html).not.toContain("fallback only");
    expect(html).not.toContain("error-box");
  });

  it("shows an error box for a block it does not know and for blocks Slack would reject", () => {
    expect(renderBody({ text: "", blocks: [{ type: "rich_text", elements: [] }] }, ctx)).toContain('class="error-box"');
    const rejected = renderBody({ text: "", blocks: [{ type: "section" }] }, ctx);
    expect(rejected).toContain("Slack would reject these blocks: must provide text or fields");
    expect(renderBody({ text: "", blocks: [{ type: "actions", elements: [{ type: "datepicker" }] }] }, ctx)).toContain("element type &quot;datepicker&quot; is not rendered");
  });
});

describe("pages and permalinks", () => {
  const state: WorkspaceState = {
    lastTs: 0,
    channels: [{ id: "C0ALERTS01", name: "oom-alerts" }],
    messages: [
      { channel: "C0ALERTS01", channelName: "oom-alerts", ts: "1700000000.000100", text: "parent", edits: [{ at: "1700000001.000000", text: "old" }], metadata: { event_type: "oomwatch_incident", event_payload: { secret_marker: "x" } } },
      { channel: "C0ALERTS01", channelName: "oom-alerts", ts: "1700000002.000200", thread_ts: "1700000000.000100", text: "a reply", edits: [] },
    ],
  };

  it("round-trips Slack's permalink form", () => {
    expect(permalinkPath("C0ALERTS01", "1700000002.000200")).toBe("/archives/C0ALERTS01/p1700000002000200");
    expect(parseRoute(new URL("http://v/archives/C0ALERTS01/p1700000002000200?thread_ts=1700000000.000100"))).toEqual({
      channel: "C0ALERTS01",
      ts: "1700000002.000200",
      threadTs: "1700000000.000100",
    });
    expect(parseRoute(new URL("http://v/api/chat.postMessage"))).toBeUndefined();
  });

  it("lists parents with their reply count, marks edits, hides metadata, and opens a reply's permalink in its thread", () => {
    const channel = renderApp(state, { channel: "C0ALERTS01" });
    expect(channel).toContain("1 reply");
    expect(channel).toContain("(edited)");
    expect(channel).not.toContain("a reply");
    expect(channel).not.toContain("secret_marker");
    const thread = renderApp(state, { channel: "C0ALERTS01", ts: "1700000002.000200" });
    expect(thread).toMatch(/<aside class="thread-pane" data-thread-ts="1700000000.000100">[\s\S]*class="msg reply highlight"[\s\S]*a reply/);
  });
});

describe("incidents show", () => {
  it("links a sandbox incident to its message in the local Slack view, and a real one to Slack's permalink", () => {
    const i = makeIncident({ id: "i-1", firstSeen: "2026-11-29T10:00:00.000Z", slack: { channel: "C0ALERTS01", ts: "1700000002.000200", permalink: "https://acme.slack.com/archives/C0ALERTS01/p1700000002000200" } });
    const hint = { slackViewHint: "after the sandbox: oomwatch slack-view" };
    // The stored permalink as the sandbox's sink answered it: the view's real URL, whichever port it got.
    const local = formatIncident({ ...i, slack: { ...i.slack!, permalink: "http://127.0.0.1:4410/archives/C0ALERTS01/p1700000002000200" } }, [], hint);
    expect(local).toMatch(/Slack link +http:\/\/127\.0\.0\.1:4410\/archives\/C0ALERTS01\/p1700000002000200 \(after the sandbox: oomwatch slack-view\)/);
    expect(formatIncident(i)).toMatch(/Slack link +https:\/\/acme\.slack\.com\/archives\/C0ALERTS01\/p1700000002000200/);
    // Real Slack data read through the local backend: no view to start.
    expect(formatIncident(i, [], hint)).toMatch(/Slack link +https:\/\/acme\.slack\.com\/archives\/C0ALERTS01\/p1700000002000200$/m);
  });
});
