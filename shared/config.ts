/**
 * Function configuration from environment variables: the contract between the
 * CDK app (which sets them), the sandbox (which sets them for local runs) and
 * the handlers. Parsed once per cold start; a bad value fails fast with its name.
 */
import * as z from "zod";

const jsonRecord = z
  .string()
  .transform((s, ctx) => {
    try {
      return z.record(z.string(), z.string()).parse(JSON.parse(s));
    } catch {
      ctx.addIssue({ code: "custom", message: "must be a JSON object of strings" });
      return z.NEVER;
    }
  });

export const FunctionEnvSchema = z.object({
  OOMWATCH_CLUSTER: z.string().min(1).default("default"),
  INCIDENTS_TABLE: z.string().min(1),
  EVENTS_QUEUE_URL: z.string().optional(),
  EVENTS_DLQ_URL: z.string().optional(),
  ANALYZE_QUEUE_URL: z.string().optional(),
  NOTIFY_QUEUE_URL: z.string().optional(),
  NOTIFY_DLQ_URL: z.string().optional(),
  ANALYZE_DLQ_URL: z.string().optional(),
  /** EventBridge bus for severity events; `default` for the account's default bus. */
  EVENT_BUS_NAME: z.string().default("default"),
  /** Slack: token from Secrets Manager (AWS) or plain env (sandbox only). */
  SLACK_TOKEN_SECRET_ARN: z.string().optional(),
  SLACK_TOKEN: z.string().optional(),
  /** Slack Web API base URL; points at the local sink in the sandbox. */
  SLACK_API_URL: z.string().optional(),
  SLACK_DEFAULT_CHANNEL: z.string().default("#oom-alerts"),
  SLACK_OPS_CHANNEL: z.string().optional(),
  SLACK_OPS_MENTION: z.string().optional(),
  /** JSON: {"payments": "#payments-oncall"} */
  SLACK_CHANNEL_MAP: jsonRecord.optional(),
  /** Kubernetes access for live enrichment: kubeconfig in Secrets Manager, a kubeconfig file, or EKS IAM auth. */
  KUBECONFIG_SECRET_ARN: z.string().optional(),
  KUBECONFIG: z.string().optional(),
  EKS_CLUSTER_NAME: z.string().optional(),
  EKS_CLUSTER_ENDPOINT: z.string().optional(),
  EKS_CLUSTER_CA: z.string().optional(),
  /** Timeout for each Kubernetes API call during enrichment. */
  K8S_TIMEOUT_MS: z.coerce.number().int().positive().default(3000),
  /** JSON escalation policy overrides (see shared/domain). */
  ESCALATION_POLICY: z.string().optional(),
  /** Where docs/runbooks is published (`level-N.md` links in messages); unset: messages carry no link. */
  RUNBOOK_BASE_URL: z.url({ protocol: /^https?$/, message: "must be an http(s) URL" }).optional(),
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
