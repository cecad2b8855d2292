import { describe, expect, test } from "vitest";
import { isSlackChannelId, SLACK_CHANNEL_REF } from "../shared/slack-ids.ts";

describe("Slack channel ids", () => {
  test.each(["C0123ABCD", "G0123ABCD", "D0123ABCD", "C01234567890"])("%s is a conversation id", (id) => {
    expect(isSlackChannelId(id)).toBe(true);
    expect(SLACK_CHANNEL_REF.test(id)).toBe(true);
  });

  test.each(["U0123ABCD", "c0123abcd", "C0123", "#C0123ABCD", "oom-alerts", "C0123ABC-D"])("%s is not", (id) => {
    expect(isSlackChannelId(id)).toBe(false);
  });

  test("configuration takes a #name or an id, not a bare name", () => {
    expect(SLACK_CHANNEL_REF.test("#oom-alerts")).toBe(true);
    expect(SLACK_CHANNEL_REF.test("oom-alerts")).toBe(false);
    expect(SLACK_CHANNEL_REF.test("#OOM")).toBe(false);
  });
});
