/**
 * Slack faults on the client side: a WebClient that loses the response of some posts
 * (Slack stored the message, the client sees a timeout, as when the connection drops
 * after the request went out) and counts the failures notify saw, by type.
 */
import { ErrorCode, WebClient, type WebAPICallResult, type WebClientOptions } from "@slack/web-api";

export interface SlackFailures {
  rateLimited: number;
  http: number;
  timeout: number;
  /** Posts that reached the sink but whose answer was dropped. */
  lostResponses: number;
}

export function faultySlackClient(token: string, options: WebClientOptions, opts: { loseResponses: number }, seen: SlackFailures): WebClient {
  let toLose = opts.loseResponses;
  return new (class extends WebClient {
    override async apiCall(method: string, callOptions?: Record<string, unknown>): Promise<WebAPICallResult> {
      let out: WebAPICallResult;
      try {
        out = await super.apiCall(method, callOptions);
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code === ErrorCode.RateLimitedError) seen.rateLimited++;
        else if (code === ErrorCode.HTTPError) seen.http++;
        else if (code === ErrorCode.RequestError) seen.timeout++;
        throw e;
      }
      if (method === "chat.postMessage" && !callOptions?.thread_ts && toLose > 0) {
        toLose--;
        seen.lostResponses++;
        seen.timeout++;
        throw Object.assign(new Error("A request error occurred: timeout of 1000ms exceeded (fault injection: response lost)"), {
          code: ErrorCode.RequestError,
        });
      }
      return out;
    }
  })(token, options);
}
