/**
 * What a Slack failure means for the record: retry later through SQS (rate
 * limit, 5xx, timeout — never sleep inside the function), fall back to the
 * default channel (the routed channel is unusable), or give up (permanent).
 */
import { ErrorCode, type WebAPICallError } from "@slack/web-api";

export type SlackFailure =
  | { action: "retry"; code: string; retryAfterSeconds?: number }
  | { action: "fallback"; code: string }
  | { action: "permanent"; code: string };

/** The routed channel cannot take the message: use the default channel and say so. */
const CHANNEL_UNUSABLE = new Set(["channel_not_found", "not_in_channel", "is_archived"]);

/** Slack-side trouble that goes away by itself. */
const TRANSIENT = new Set(["ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"]);

function isSlackError(e: unknown): e is WebAPICallError {
  return typeof e === "object" && e !== null && "code" in e && Object.values(ErrorCode).includes((e as { code: ErrorCode }).code);
}

export function classifySlackError(e: unknown): SlackFailure {
  if (!isSlackError(e)) return { action: "retry", code: e instanceof Error ? e.name : "unknown" };
  switch (e.code) {
    case ErrorCode.RateLimitedError:
      return { action: "retry", code: "rate_limited", retryAfterSeconds: e.retryAfter };
    case ErrorCode.HTTPError:
      return { action: "retry", code: `http_${e.statusCode}` };
    case ErrorCode.RequestError:
      return { action: "retry", code: "request_failed" };
    case ErrorCode.PlatformError: {
      const code = e.data.error;
      if (CHANNEL_UNUSABLE.has(code)) return { action: "fallback", code };
      if (TRANSIENT.has(code)) return { action: "retry", code };
      // invalid_auth, not_authed, account_inactive, token_revoked, missing_scope, invalid_blocks, ...
      return { action: "permanent", code };
    }
  }
  return { action: "retry", code: "unknown" };
}

/**
 * Thrown to stop processing one record; the handler turns it into a retry or an
 * acknowledgement. When it translates a Slack (or network) error, `cause` is that
 * error, so logs and dead letters can still show what Slack said.
 */
export class NotifyError extends Error {
  constructor(
    readonly failure: SlackFailure | { action: "retry" | "permanent"; code: string },
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "NotifyError";
  }
}

export function asNotifyError(e: unknown, what: string): NotifyError {
  if (e instanceof NotifyError) return e;
  const failure = classifySlackError(e);
  return new NotifyError(failure, `${what}: ${failure.code}`, { cause: e });
}

/** Runs one Slack call; its failure becomes a NotifyError naming the call. */
export async function slackCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw asNotifyError(e, what);
  }
}
