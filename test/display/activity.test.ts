/**
 * The sandbox's compact display: one line per Slack post, update or reply (verb, level,
 * channel, thread, title), resolution and pressure lines, cut to the terminal width; and
 * whole messages with --verbose.
 */
import { describe, expect, test } from "vitest";
import { formatActivity, formatSlackLine, titleOf } from "../../sandbox/activity.ts";
import type { SinkMessage } from "../../sandbox/slack-sink.ts";
import { nodeOom } from "../notify/fixtures.ts";

const INCIDENT = "3f2a9c1d5e6f7a8b9c0d";

function message(over: Partial<SinkMessage> = {}): SinkMessage {
  return {
    channel: "C0ALERTS",
    channelName: "oom-alerts",
    ts: "1718000000.000100",
    text: ":rotating_light: Level 2 OOMKilled: shop/cart (java heap above the limit). Container `app` was *OOM killed* 3 times.\nsecond line",
    blocks: [{ type: "section", text: { type: "mrkdwn", text: "*Body of the message* with the whole story" } }],
    metadata: { event_type: "oomwatch_incident", event_payload: { incident_id: INCIDENT, role: "owner", level: 2 } },
    edits: [],
    ...over,
  };
}

const reply = (over: Partial<SinkMessage> = {}) =>
  message({
    ts: "1718000000.000200",
    thread_ts: "1718000000.000100",
    text: "First steps for shop/cart",
    metadata: { event_type: "oomwatch_incident", event_payload: { incident_id: INCIDENT, role: "runbook", level: 2 } },
    ...over,
  });

describe("compact Slack lines", () => {
  test("a post: verb, level, channel and the first sentence of its text, without emoji codes", () => {
    expect(formatSlackLine("posted", message())).toBe("post      L2  #oom-alerts  Level 2 OOMKilled: shop/cart (java heap above the limit)");
  });

  test("a reply names its thread by the incident's short id", () => {
    expect(formatSlackLine("posted", reply(), message())).toBe("reply     L2  #oom-alerts  ↳ reply in thread of 3f2a9c1d  First steps for shop/cart");
  });

  test("a reply without metadata (an uploaded chart) takes the parent's level; without a known parent, its thread ts", () => {
    const chart = reply({ text: "", metadata: undefined, blocks: undefined, files: [{ id: "F1", name: "memory.png", title: "Memory of shop/cart", mimetype: "image/png", size: 10 }] });
    expect(formatSlackLine("posted", chart, message())).toBe("reply     L2  #oom-alerts  ↳ reply in thread of 3f2a9c1d  file Memory of shop/cart");
    expect(formatSlackLine("posted", chart)).toBe("reply     L?  #oom-alerts  ↳ reply in thread of 1718000000.000100  file Memory of shop/cart");
  });

  test("bold and code marks are dropped", () => {
    expect(titleOf(message({ text: "*Escalated to Level 2* (was Level 1): `app` OOM killed" }))).toBe("Escalated to Level 2 (was Level 1): app OOM killed");
  });

  test("an update counts its edits", () => {
    const edited = message({ text: "Escalated to Level 3: shop/cart", edits: [{ at: "1.1", text: "a" }, { at: "1.2", text: "b" }] });
    expect(formatSlackLine("updated", edited)).toBe("update    L2  #oom-alerts  (edit 2)  Escalated to Level 3: shop/cart");
  });

  test("control characters from the cluster never reach the terminal", () => {
    const hostile = message({ text: "OOMKilled: shop/\x1b[2Jcart\u202e" });
    expect(titleOf(hostile)).toBe("OOMKilled: shop/?[2Jcart?");
  });

  test("a line is cut to the terminal width: the title, last, gives way", () => {
    const line = formatActivity({ type: "slack", change: "posted", message: message() }, { width: 40 });
    expect(line).toHaveLength(40);
    expect(line).toBe("post      L2  #oom-alerts  Level 2 OOMK…");
  });

  test("no line holds a message body", () => {
    const line = formatActivity({ type: "slack", change: "posted", message: message() }, { width: 200 });
    expect(line).not.toContain("\n");
    expect(line).not.toContain("Body of the message");
  });
});

describe("resolution and pressure lines", () => {
  test("a resolved incident: level, kind, id and how long it lasted", () => {
    const incident = nodeOom({ id: "abc123", status: "resolved", occurrences: 3, resolvedAt: "2026-03-01T03:42:00Z" });
    expect(formatActivity({ type: "resolved", incident }, {})).toBe("resolved  L3  Node OOM  abc123: Resolved after 42 min, 3 occurrences");
  });

  test("a node whose MemoryPressure cleared", () => {
    expect(formatActivity({ type: "pressureCleared", node: "node-b", at: "2026-03-01T03:04:05.000Z", reason: "KubeletHasSufficientMemory" }, {})).toBe(
      "pressure  node-b  MemoryPressure cleared (KubeletHasSufficientMemory) at 03:04:05Z",
    );
  });
});

describe("--verbose", () => {
  test("prints the whole message, an update marked as edited", () => {
    const edited = message({ edits: [{ at: "1.1", text: "before" }] });
    const text = formatActivity({ type: "slack", change: "updated", message: edited }, { verbose: true, width: 20 });
    expect(text).toContain("#oom-alerts @ 1718000000.000100 (edited 1x)");
    // Whole: not cut to the width.
    expect(text).toContain("*Body of the message* with the whole story");
  });

  test("prints a thread reply with its thread", () => {
    const text = formatActivity({ type: "slack", change: "posted", message: reply({ blocks: undefined }), parent: message() }, { verbose: true });
    expect(text).toBe("#oom-alerts thread 1718000000.000100 @ 1718000000.000200\n  First steps for shop/cart");
  });
});
