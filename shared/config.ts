/**
 * Function configuration from environment variables: the contract between the
 * CDK app (which sets them), the sandbox (which sets them for local runs) and
 * the handlers. Parsed once per cold start; a bad value fails fast with its name.
 */
import * as z from "./schema/zod.ts";

const StringMapSchema = z.record(z.string(), z.string());

const jsonRecord = z.pipe(
  z.string(),
  z.transform((s: string, ctx) => {
    try {
      return StringMapSchema.parse(JSON.parse(s));
    } catch {
      ctx.issues.push({ code: "custom", message: "must be a JSON object of strings", input: s });
      return z.NEVER;
    }
  }),
);

export const FunctionEnvSchema = z.object({
  OOMWATCH_CLUSTER: z._default(z.string().check(z.minLength(1)), "default"),
  INCIDENTS_TABLE: z.string().check(z.minLength(1)),
  EVENTS_QUEUE_URL: z.optional(z.string()),
  EVENTS_DLQ_URL: z.optional(z.string()),
  ANALYZE_QUEUE_URL: z.optional(z.string()),
  NOTIFY_QUEUE_URL: z.optional(z.string()),
  NOTIFY_DLQ_URL: z.optional(z.string()),
  ANALYZE_DLQ_URL: z.optional(z.string()),
  /** EventBridge bus for severity events; `default` for the account's default bus. */
  EVENT_BUS_NAME: z._default(z.string(), "default"),
  /** Slack: token from Secrets Manager (AWS) or plain env (sandbox only). */
  SLACK_TOKEN_SECRET_ARN: z.optional(z.string()),
  SLACK_TOKEN: z.optional(z.string()),
  /** Slack Web API base URL; points at the local sink in the sandbox. */
  SLACK_API_URL: z.optional(z.string()),
  SLACK_DEFAULT_CHANNEL: z._default(z.string(), "#oom-alerts"),
  SLACK_OPS_CHANNEL: z.optional(z.string()),
  SLACK_OPS_MENTION: z.optional(z.string()),
  /** JSON: {"payments": "#payments-oncall"} */
  SLACK_CHANNEL_MAP: z.optional(jsonRecord),
  /** Kubernetes access for live enrichment: kubeconfig in Secrets Manager, a kubeconfig file, or EKS IAM auth. */
  KUBECONFIG_SECRET_ARN: z.optional(z.string()),
  KUBECONFIG: z.optional(z.string()),
  EKS_CLUSTER_NAME: z.optional(z.string()),
  EKS_CLUSTER_ENDPOINT: z.optional(z.string()),
  EKS_CLUSTER_CA: z.optional(z.string()),
  /** Timeout for each Kubernetes API call during enrichment. */
  K8S_TIMEOUT_MS: z._default(z.coerce.number().check(z.int(), z.positive()), 3000),
  /** JSON escalation policy overrides (see shared/domain). */
  ESCALATION_POLICY: z.optional(z.string()),
  /** Where docs/runbooks is published (`level-N.md` links in messages); unset: messages carry no link. */
  RUNBOOK_BASE_URL: z.optional(z.url({ protocol: /^https?$/, message: "must be an http(s) URL" })),
});
export type FunctionEnv = z.infer<typeof FunctionEnvSchema>;

export function loadFunctionEnv(env: NodeJS.ProcessEnv = process.env): FunctionEnv {
  const parsed = FunctionEnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`invalid oomwatch configuration: ${problems}`);
  }
  return parsed.data;
}
