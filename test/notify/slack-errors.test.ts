import { ErrorCode } from "@slack/web-api";
import { describe, expect, test } from "vitest";
import { NotifyError, slackCall } from "../../functions/notify/slack-errors.ts";

describe("Slack error translation", () => {
  test("a NotifyError keeps the Slack error it translates as its cause", async () => {
    const slack = Object.assign(new Error("An API error occurred: invalid_auth"), { code: ErrorCode.PlatformError, data: { ok: false, error: "invalid_auth" } });
    const err = await slackCall("chat.postMessage", () => Promise.reject(slack)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotifyError);
    expect(err).toMatchObject({ failure: { action: "permanent", code: "invalid_auth" }, message: "chat.postMessage: invalid_auth" });
    expect((err as NotifyError).cause).toBe(slack);
  });

  test("an error that is already a NotifyError passes through unchanged", async () => {
    const own = new NotifyError({ action: "retry", code: "victim_link_conflict" }, "link not stored");
    await expect(slackCall("x", () => Promise.reject(own))).rejects.toBe(own);
  });
});
