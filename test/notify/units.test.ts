/** Pure pieces of notify: escaping, mentions, limits, milestones, batch planning, error classes, secrets. */
import { ErrorCode, WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError } from "@slack/web-api";
import type { KnownBlock } from "@slack/web-api";
import { describe, expect, it } from "vitest";
import { planBatch } from "../../functions/notify/plan.ts";
import { tokenFromSecret } from "../../functions/notify/from-env.ts";
import { cutMrkdwn, fitBlocks, SLACK_LIMITS } from "../../functions/notify/limits.ts";
import { codeBlock, codeSpan, escapeMrkdwn, escapeWithin, link } from "../../functions/notify/mrkdwn.ts";
import { crossesMilestone } from "../../functions/notify/notify-incident.ts";
import { mentionFor, opsRoute, ownerRoute } from "../../functions/notify/routing.ts";
import { classifySlackError } from "../../functions/notify/slack-errors.ts";
import { sqsRecord } from "../support/lambda.ts";
import { containerOom, nodeOom, notifyRequest } from "./fixtures.ts";

describe("mrkdwn escaping", () => {
  it("turns control sequences into visible text", () => {
    expect(escapeMrkdwn("<!channel> <@U1> <https://x|y> a&b")).toBe("&lt;!channel&gt; &lt;@U1&gt; &lt;https://x|y&gt; a&amp;b");
    expect(escapeMrkdwn("ping @here and @channel")).not.toMatch(/@here|@channel/);
  });

  it("cuts to a budget without splitting an entity", () => {
    const out = escapeWithin("<".repeat(100), 20);
    expect(out.length).toBeLessThanOrEqual(20);
    expect(out).toMatch(/^(&lt;)+…$/);
    expect(escapeWithin("short", 20)).toBe("short");
  });

  it("code spans and blocks cannot be closed early by the content", () => {
    expect(codeSpan("a`b\nc")).toBe("`aˋb c`");
    const block = codeBlock("x```<!here>```y");
    expect(block.match(/```/g)).toHaveLength(2);
    expect(block).toContain("&lt;!here&gt;");
  });

  it("links keep configured URLs and escape the label", () => {
    expect(link("https://docs.example/a", "<b>|c")).toBe("<https://docs.example/a|&lt;b&gt;¦c>");
  });
});

describe("mentions and routing", () => {
  it("user and group ids ping, broadcasts only from configuration", () => {
    expect(mentionFor("U0123ABCD")).toBe("<@U0123ABCD>");
    expect(mentionFor("<@W0123ABCD>")).toBe("<@W0123ABCD>");
    expect(mentionFor("S0123ABCD")).toBe("<!subteam^S0123ABCD>");
    expect(mentionFor("<!subteam^S0123ABCD|@sre>")).toBe("<!subteam^S0123ABCD>");
    expect(mentionFor("<!channel>")).toBe("&lt;!channel&gt;");
    expect(mentionFor("@here")).not.toContain("<!here>");
    expect(mentionFor("@here", true)).toBe("<!here>");
    expect(mentionFor("@payments-team")).toBe("@payments-team");
    expect(mentionFor("  ")).toBeUndefined();
  });

  it("ignores channel values that are not channel names or ids", () => {
    const base = containerOom();
    const inc = { ...base, snapshot: { pod: { ...base.snapshot.pod!, annotations: { "oomwatch.io/slack-channel": "<!channel>" } } } };
    expect(ownerRoute(inc, { defaultChannel: "#d", channelMap: { payments: "#pay" } })).toEqual({ channel: "#pay", source: "map" });
    const byId = { ...base, snapshot: { pod: { ...base.snapshot.pod!, labels: { "oomwatch.io/slack-channel": "C0123ABCDE" } } } };
    expect(ownerRoute(byId, { defaultChannel: "#d" })).toEqual({ channel: "C0123ABCDE", source: "pod" });
  });

  it("copies only Level 3 to ops, and not into the same channel twice", () => {
    const cfg = { defaultChannel: "#oom", opsChannel: "#ops", opsMention: "S0123ABCD" };
    expect(opsRoute(containerOom(), cfg, { channel: "#oom", source: "default" })).toBeUndefined();
    expect(opsRoute(nodeOom(), cfg, { channel: "#oom", source: "default" })).toEqual({ channel: "#ops", source: "default", mention: "<!subteam^S0123ABCD>" });
    expect(opsRoute(nodeOom(), cfg, { channel: "ops", source: "map" })).toBeUndefined();
  });
});

describe("Block Kit limits", () => {
  it("cuts long sections without leaving a code fence open", () => {
    const text = "*x*\n```\n" + "a".repeat(5000);
    const cut = cutMrkdwn(text, SLACK_LIMITS.sectionText);
    expect(cut.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    expect(cut.match(/```/g)).toHaveLength(2);
    expect(cutMrkdwn("a".repeat(2994) + "&amp;&amp;", 3000)).not.toMatch(/&[a-z]*…$/);
  });

  it("keeps at most 50 blocks and says how many were left out", () => {
    const many: KnownBlock[] = Array.from({ length: 80 }, () => ({ type: "divider" }));
    const fitted = fitBlocks(many);
    expect(fitted).toHaveLength(50);
    expect(fitted.at(-1)).toMatchObject({ type: "context", elements: [{ text: expect.stringContaining("31 more blocks") }] });
  });
});

describe("thread reply milestones", () => {
  it("replies at 2, 3, 5, 10, 20, 50, 100 ... occurrences", () => {
    const hits = Array.from({ length: 1000 }, (_, n) => n + 1).filter((n) => crossesMilestone(n - 1, n));
    expect(hits).toEqual([2, 3, 5, 10, 20, 50, 100, 200, 500, 1000]);
    expect(crossesMilestone(6, 9)).toBe(false);
    expect(crossesMilestone(6, 12)).toBe(true);
  });
});

describe("batch planning", () => {
  it("keeps the newest revision per incident and marks poison", () => {
    const inc = containerOom();
    const other = containerOom({ id: "other" });
    const records = [
      sqsRecord(JSON.stringify(notifyRequest(inc, "new", 1)), "a"),
      sqsRecord(JSON.stringify(notifyRequest({ ...inc, occurrences: 3 }, "repeat", 3)), "b"),
      sqsRecord(JSON.stringify(notifyRequest({ ...inc, occurrences: 2 }, "repeat", 2)), "c"),
      sqsRecord(JSON.stringify(notifyRequest(other)), "d"),
      sqsRecord("[]", "e"),
    ];
    const plans = planBatch(records);
    expect(plans.get("a")).toMatchObject({ action: "superseded", by: "b" });
    expect(plans.get("b")).toMatchObject({ action: "notify", request: { revision: 3 } });
    expect(plans.get("c")).toMatchObject({ action: "superseded", by: "b" });
    expect(plans.get("d")).toMatchObject({ action: "notify" });
    expect(plans.get("e")).toMatchObject({ action: "poison", code: "SCHEMA" });
  });
});

describe("Slack error classes", () => {
  it("retries transient trouble, falls back on unusable channels, gives up on the rest", () => {
    const platform = (error: string) => new WebAPIPlatformError({ ok: false, error });
    expect(classifySlackError(new WebAPIRateLimitedError(5))).toEqual({ action: "retry", code: "rate_limited", retryAfterSeconds: 5 });
    expect(classifySlackError(new WebAPIHTTPError(502, "Bad Gateway", {}))).toMatchObject({ action: "retry", code: "http_502" });
    expect(classifySlackError(new WebAPIRequestError(new Error("timeout")))).toMatchObject({ action: "retry" });
    expect(classifySlackError(platform("channel_not_found"))).toMatchObject({ action: "fallback" });
    expect(classifySlackError(platform("not_in_channel"))).toMatchObject({ action: "fallback" });
    expect(classifySlackError(platform("internal_error"))).toMatchObject({ action: "retry" });
    for (const code of ["invalid_auth", "account_inactive", "token_revoked", "invalid_blocks"]) {
      expect(classifySlackError(platform(code))).toEqual({ action: "permanent", code });
    }
    expect(new WebAPIRateLimitedError(1).code).toBe(ErrorCode.RateLimitedError);
  });
});

describe("Slack token from Secrets Manager", () => {
  it("accepts a bare token or JSON", () => {
    expect(tokenFromSecret("xoxb-1")).toBe("xoxb-1");
    expect(tokenFromSecret('{"token":"xoxb-2"}')).toBe("xoxb-2");
    expect(tokenFromSecret('{"SLACK_TOKEN":"xoxb-3"}')).toBe("xoxb-3");
    expect(tokenFromSecret("{broken")).toBeUndefined();
    expect(tokenFromSecret("")).toBeUndefined();
  });
});

describe("Level 3 in the ops channel itself", () => {
  it("one message carries the owner and the ops mention", async () => {
    const { routesFor } = await import("../../functions/notify/routing.ts");
    const cfg = { defaultChannel: "#ops", opsChannel: "#ops", opsMention: "@here" };
    expect(routesFor(nodeOom(), cfg)).toEqual({ owner: { channel: "#ops", source: "default", mention: "<!here>" } });
    expect(routesFor(containerOom(), cfg)).toEqual({ owner: { channel: "#ops", source: "default" } });
  });
});
