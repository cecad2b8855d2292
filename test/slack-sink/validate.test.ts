import { describe, expect, it } from "vitest";
import { validateBlocks } from "../../sandbox/slack-sink/validate.ts";

describe("the sink's Block Kit checks (what Slack answers invalid_blocks for)", () => {
  it("accepts the blocks oomwatch sends", () => {
    expect(
      validateBlocks([
        { type: "header", text: { type: "plain_text", text: "OOM" } },
        { type: "section", text: { type: "mrkdwn", text: "*x*" }, accessory: { type: "button", text: { type: "plain_text", text: "Open" } } },
        { type: "image", image_url: "https://example.com/a.png", alt_text: "chart" },
        { type: "image", slack_file: { id: "F123" }, alt_text: "chart", title: { type: "plain_text", text: "Memory" } },
        { type: "actions", elements: [{ type: "button", text: { type: "plain_text", text: "Runbook" }, url: "https://example.com" }] },
        { type: "divider" },
      ]),
    ).toEqual([]);
  });

  it("rejects images without a source or alt text, empty actions, long buttons and bad accessories", () => {
    expect(validateBlocks([{ type: "image", alt_text: "x" }])).toEqual(["must provide either image_url or slack_file [json-pointer:/blocks/0]"]);
    expect(validateBlocks([{ type: "image", image_url: "https://e/a.png" }])).toEqual(["must be more than 0 characters [json-pointer:/blocks/0/alt_text]"]);
    expect(validateBlocks([{ type: "actions", elements: [] }])).toEqual(["must provide 1..25 elements [json-pointer:/blocks/0/elements]"]);
    expect(validateBlocks([{ type: "actions", elements: [{ type: "button", text: { type: "plain_text", text: "x".repeat(76) } }] }])).toEqual([
      "must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]",
    ]);
    expect(validateBlocks([{ type: "section", text: { type: "mrkdwn", text: "x" }, accessory: "nope" }])).toEqual(["must be an element object [json-pointer:/blocks/0/accessory]"]);
    expect(validateBlocks([{ type: "carousel" }])).toEqual(["unsupported type carousel [json-pointer:/blocks/0/type]"]);
  });
});
