/** Notify's dependencies from the environment (shared/config.ts): the Slack token and the clients, for Lambda (handler.ts `notifyHandlerFromEnv`) and the sandbox. */
import { getSecret } from "@aws-lambda-powertools/parameters/secrets";
import type { WebClient } from "@slack/web-api";
import type { AwsClients } from "../../shared/clients/aws.ts";
import type { FunctionEnv } from "../../shared/config.ts";
import type { NotifyDeps } from "./handler.ts";

/** A secret holds the bare token or JSON with `token` / `SLACK_TOKEN` / `bot_token`. */
export function tokenFromSecret(value: unknown): string | undefined {
  if (typeof value !== "string" || !value.trim()) return undefined;
  const s = value.trim();
  if (!s.startsWith("{")) return s;
  try {
    const o = JSON.parse(s) as Record<string, unknown>;
    const t = o.token ?? o.SLACK_TOKEN ?? o.bot_token;
    return typeof t === "string" ? t : undefined;
  } catch {
    return undefined;
  }
}

export async function slackToken(env: FunctionEnv): Promise<string> {
  if (env.SLACK_TOKEN_SECRET_ARN) {
    // cached by Powertools for 5 minutes across warm invocations
    const token = tokenFromSecret(await getSecret(env.SLACK_TOKEN_SECRET_ARN, { maxAge: 300 }));
    if (!token) throw new Error("SLACK_TOKEN_SECRET_ARN: secret has no token");
    return token;
  }
  if (env.SLACK_TOKEN) return env.SLACK_TOKEN;
  throw new Error("notify needs SLACK_TOKEN_SECRET_ARN (AWS) or SLACK_TOKEN (sandbox)");
}

/** NotifyDeps from the function environment, given the clients: the Lambda entry and the sandbox both build notify this way. */
export function notifyDepsFromEnv(env: FunctionEnv, aws: Pick<AwsClients, "sqs" | "doc" | "eventbridge">, slack: WebClient): NotifyDeps {
  return {
    slack,
    doc: aws.doc,
    tableName: env.INCIDENTS_TABLE,
    eventbridge: aws.eventbridge,
    busName: env.EVENT_BUS_NAME,
    routing: {
      defaultChannel: env.SLACK_DEFAULT_CHANNEL,
      ...(env.SLACK_CHANNEL_MAP ? { channelMap: env.SLACK_CHANNEL_MAP } : {}),
      ...(env.SLACK_OPS_CHANNEL ? { opsChannel: env.SLACK_OPS_CHANNEL } : {}),
      ...(env.SLACK_OPS_MENTION ? { opsMention: env.SLACK_OPS_MENTION } : {}),
    },
    runbookBaseUrl: env.RUNBOOK_BASE_URL,
    sqs: aws.sqs,
    ...(env.NOTIFY_DLQ_URL ? { dlq: { sqs: aws.sqs, url: env.NOTIFY_DLQ_URL } } : {}),
  };
}
