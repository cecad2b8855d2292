/**
 * The parent message fits one screen and the full runbook goes to the thread; runbook
 * links come only from configuration (RUNBOOK_BASE_URL).
 */
import { describe, expect, it } from "vitest";
import { parentMessage, runbookReply } from "../../functions/notify/message.ts";
import type { Route } from "../../functions/notify/routing.ts";
import { visibleText as visible } from "../../sandbox/slack-sink/render.ts";
import { containerOom, nodeOom, podEviction } from "./fixtures.ts";

const route: Route = { channel: "#oom-alerts", source: "default" };

describe("parent message", () => {
  it("stays within 2,000 visible characters even for a storm with long messages and logs", () => {
    const pods = Array.from({ length: 1000 }, (_, n) => `checkout-7d9f-${String(n).padStart(5, "0")}`);
    const big = podEviction({
      pods,
      occurrences: 1000,
      lastMessage: "x".repeat(10_000),
      diagnosis: { summary: "y".repeat(5_000), causes: Array.from({ length: 20 }, (_, n) => `CAUSE_${n}`) },
    });
    for (const i of [containerOom(), podEviction(), nodeOom(), big]) {
      const text = visible(parentMessage(i, { route, runbookBaseUrl: "https://runbooks.example/docs/runbooks" }));
      expect(text.length, `${i.kind}: ${text}`).toBeLessThanOrEqual(2000);
      expect(text).toContain("First steps");
    }
  });

  it("names the previous incident of the group, within the 2,000-character budget", () => {
    const previous = { incidentId: "prev-0001", resolvedAt: "2026-02-27T14:02:00Z", countLast7Days: 21 };
    const pods = Array.from({ length: 1000 }, (_, n) => `checkout-7d9f-${String(n).padStart(5, "0")}`);
    const big = podEviction({ pods, previous, lastMessage: "x".repeat(10_000), diagnosis: { summary: "y".repeat(5_000), causes: ["A", "B"] } });
    for (const i of [containerOom({ previous }), big]) {
      const text = visible(parentMessage(i, { route }));
      expect(text).toContain(`21st incident for this ${i.kind === "ContainerOOM" ? "container" : "node"} in 7 days (previous: prev-0001, resolved 2026-02-27 14:02 UTC)`);
      expect(text.length).toBeLessThanOrEqual(2000);
    }
    expect(visible(parentMessage(containerOom(), { route }))).not.toContain("incident for this");
  });

  it("shows three runbook steps; the runbook reply has them all with the evidence", () => {
    const i = containerOom({ snapshot: { ...containerOom().snapshot, pod: { ...containerOom().snapshot.pod!, logTail: ["Exception <!here> & boom"] } } });
    const parent = visible(parentMessage(i, { route }));
    expect(parent.match(/^\s*\d+\. /gm)).toHaveLength(3);
    const reply = runbookReply(i, {});
    const replyText = visible(reply);
    expect(replyText.match(/^\s*\*?\d+\. /gm)?.length ?? 0).toBeGreaterThan(3);
    expect(replyText).toContain("Last log lines of the killed container");
    // escaped in mrkdwn: the log line cannot broadcast
    expect(JSON.stringify(reply.blocks)).toContain("&lt;!here&gt; &amp; boom");
    expect(parent).not.toContain("Exception");
  });

  it("without RUNBOOK_BASE_URL there is no runbook link, never a placeholder address", () => {
    for (const i of [containerOom(), nodeOom()]) {
      const msgs = [parentMessage(i, { route }), runbookReply(i, {})];
      for (const m of msgs) expect(JSON.stringify(m)).not.toMatch(/https?:\/\//);
      expect(visible(msgs[0]!)).toContain(`Level ${i.level} runbook`);
    }
    const linked = parentMessage(containerOom(), { route, runbookBaseUrl: "https://docs.example/runbooks/" });
    expect(JSON.stringify(linked)).toContain("<https://docs.example/runbooks/level-1.md|Level 1 runbook>");
  });
});
