/**
 * Deployment settings of the oomwatch stack: typed props and `oomwatch:*` CDK context,
 * validated once at synth time so a bad value fails `cdk synth` with its key and the fix,
 * long before CloudFormation or a cold start would.
 */
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import * as z from "zod";
import { SLACK_CHANNEL_REF } from "../shared/slack-ids.ts";

/** Prefix of every context key, e.g. `-c oomwatch:clusterName=prod-eks`. */
export const CONTEXT_PREFIX = "oomwatch:";

/** Context passed with `-c key=value` arrives as a string: accept JSON text where an object/array is expected. */
function jsonText<T extends z.ZodType>(schema: T) {
  return z.preprocess((value, ctx) => {
    if (typeof value !== "string") return value;
    try {
      return JSON.parse(value);
    } catch {
      ctx.addIssue({ code: "custom", message: "must be JSON (an object or array), e.g. '{\"payments\":\"#payments-oncall\"}'" });
      return z.NEVER;
    }
  }, schema);
}

/** `a@x.org,b@y.org` from the command line, or a JSON array from cdk.json. */
const emailList = z.preprocess(
  (value) =>
    typeof value === "string" && !value.trim().startsWith("[")
      ? value
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean)
      : value,
  jsonText(z.array(z.email({ message: "must be an e-mail address" }))),
);

const slackChannel = z
  .string()
  .regex(SLACK_CHANNEL_REF, "must be a Slack channel name like #oom-alerts or a channel id like C0123456789");

/** Name of a Kubernetes object (namespace, service account): RFC 1123 label. */
const k8sName = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "must be a Kubernetes name (lowercase RFC 1123 label)");

const positiveInt = z.coerce.number().int().positive();

/** true/false, also as the strings `-c key=true` gives. */
const flag = z.preprocess((v) => (v === "true" ? true : v === "false" ? false : v), z.boolean());

/** Retention values CloudWatch Logs accepts (the enum's numeric members, without "infinite"). */
const RETENTION_DAYS = Object.values(RetentionDays).filter((v): v is number => typeof v === "number" && v > 0 && v < 9999);

export const ForwarderAuthSchema = z.enum(["irsa", "pod-identity"]);
export const KubernetesAuthSchema = z.enum(["eks", "kubeconfig", "none"]);

/** An existing VPC given by ids (no lookups: synth stays offline and environment-agnostic). */
export const VpcSettingsSchema = z.object({
  vpcId: z.string().regex(/^vpc-([0-9a-f]{8}|[0-9a-f]{17})$/, "must be a VPC id like vpc-0123456789abcdef0"),
  subnetIds: z.array(z.string().regex(/^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/, "must be a subnet id like subnet-0123456789abcdef0")).min(1),
  /** Security groups to attach instead of the one the stack creates (egress-only HTTPS). */
  securityGroupIds: z.array(z.string().regex(/^sg-([0-9a-f]{8}|[0-9a-f]{17})$/, "must be a security group id like sg-0123456789abcdef0")).optional(),
});

export const OomwatchSettingsSchema = z
  .object({
    /** Cluster label stamped on every incident (OOMWATCH_CLUSTER). */
    clusterName: z
      .string({ error: "required: the cluster name stamped on every incident, e.g. -c oomwatch:clusterName=prod-eks" })
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/, "must be a cluster name (letters, digits, . _ -)"),
    /** Prefix for physical resource names, to run several deployments in one account and region. */
    namePrefix: z.string().regex(/^[a-z0-9-]{0,20}$/, "must be lowercase letters, digits and dashes (max 20)").default(""),
    defaultChannel: slackChannel.default("#oom-alerts"),
    opsChannel: slackChannel.optional(),
    /** Where docs/runbooks is published (RUNBOOK_BASE_URL); unset: messages carry no runbook link. */
    runbookBaseUrl: z.url({ protocol: /^https$/, message: "must be an https:// URL where docs/runbooks is published" }).optional(),
    /** Who Level 3 pings, e.g. `@oncall-sre` or `<!subteam^S0123>`. */
    opsMention: z.string().min(1).max(100).optional(),
    /** Namespace → channel. */
    channelMap: jsonText(z.record(k8sName, slackChannel)).default({}),
    /** Overrides of the default escalation policy (passed to analyze as ESCALATION_POLICY JSON). */
    escalationPolicy: jsonText(z.record(z.string(), z.unknown())).optional(),
    /** An existing Secrets Manager secret holding the Slack bot token; the stack creates one when absent. */
    slackTokenSecretArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/, "must be a Secrets Manager secret ARN")
      .optional(),
    forwarderAuth: ForwarderAuthSchema.default("irsa"),
    /** IRSA: the cluster's IAM OIDC provider ARN and issuer (without https://). */
    oidcProviderArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/.+$/, "must be an IAM OIDC provider ARN")
      .optional(),
    oidcIssuer: z
      .string()
      .transform((s) => s.replace(/^https:\/\//, ""))
      .pipe(z.string().regex(/^[a-z0-9.-]+(\/[A-Za-z0-9._-]+)*$/, "must be the OIDC issuer host/path, e.g. oidc.eks.eu-west-1.amazonaws.com/id/ABC"))
      .optional(),
    forwarderNamespace: k8sName.default("oomwatch"),
    forwarderServiceAccount: k8sName.default("oomwatch-forwarder"),
    /** How analyze reaches the Kubernetes API for live enrichment; `none` keeps the event-time snapshot only. */
    kubernetesAuth: KubernetesAuthSchema.default("none"),
    /** EKS cluster name for IAM auth and Pod Identity association; defaults to clusterName. */
    eksClusterName: z.string().regex(/^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/, "must be an EKS cluster name").optional(),
    /** API endpoint and CA (base64) of the EKS cluster: analyze signs its own token, with no AWS call. */
    eksClusterEndpoint: z.url({ protocol: /^https$/, message: "must be an https:// URL" }).optional(),
    eksClusterCa: z.string().min(1).optional(),
    /** Create the EKS Pod Identity association for the forwarder (pod-identity mode only). */
    createPodIdentityAssociation: flag.default(true),
    /** Create an EKS access entry mapping analyze's role to the read-only group of infra/k8s/analyze-reader.yaml (cluster auth mode API or API_AND_CONFIG_MAP). */
    analyzeAccessEntry: flag.default(false),
    /** `default` for the account's default bus, anything else creates a custom bus of that name. */
    eventBus: z.string().regex(/^[A-Za-z0-9._-]{1,256}$/, "must be `default` or an event bus name").default("oomwatch"),
    alarmEmails: emailList.default([]),
    /** Alarm when the oldest message of a main queue is older than this. */
    maxMessageAgeSeconds: positiveInt.default(900),
    logRetentionDays: positiveInt
      .refine((days) => RETENTION_DAYS.includes(days), `must be a CloudWatch Logs retention: ${RETENTION_DAYS.join(", ")}`)
      .transform((days) => days as RetentionDays)
      .default(RetentionDays.ONE_MONTH),
    /** POWERTOOLS_LOG_LEVEL and the Lambda application log level. */
    logLevel: z.enum(["DEBUG", "INFO", "WARN", "ERROR"]).default("INFO"),
    vpc: jsonText(VpcSettingsSchema).optional(),
  })
  .superRefine((s, ctx) => {
    if (s.forwarderAuth === "irsa" && (!s.oidcProviderArn || !s.oidcIssuer)) {
      ctx.addIssue({
        code: "custom",
        path: ["oidcProviderArn"],
        message:
          "forwarderAuth=irsa needs oomwatch:oidcProviderArn and oomwatch:oidcIssuer (aws eks describe-cluster --query cluster.identity.oidc.issuer), or use forwarderAuth=pod-identity",
      });
    }
    if (s.analyzeAccessEntry && s.kubernetesAuth !== "eks") {
      ctx.addIssue({ code: "custom", path: ["analyzeAccessEntry"], message: "an EKS access entry needs kubernetesAuth=eks" });
    }
    if (s.kubernetesAuth === "eks" && (!s.eksClusterEndpoint || !s.eksClusterCa)) {
      ctx.addIssue({
        code: "custom",
        path: ["eksClusterEndpoint"],
        message:
          "kubernetesAuth=eks needs oomwatch:eksClusterEndpoint and oomwatch:eksClusterCa (aws eks describe-cluster --name CLUSTER --query 'cluster.[endpoint,certificateAuthority.data]'), or use kubernetesAuth=kubeconfig|none",
      });
    }
  });

/** What a caller writes (props or context): defaults optional, JSON text allowed. */
export type OomwatchSettingsInput = z.input<typeof OomwatchSettingsSchema>;
/** What the stack uses: validated, defaults filled. */
export type OomwatchSettings = z.output<typeof OomwatchSettingsSchema>;
export type VpcSettings = z.output<typeof VpcSettingsSchema>;

/** The EKS cluster analyze reads and the forwarder runs in: `eksClusterName`, else the cluster label. */
export function eksClusterName(settings: OomwatchSettings): string {
  return settings.eksClusterName ?? settings.clusterName;
}

/** Every settings key, for reading context (`oomwatch:<key>`). */
export const SETTINGS_KEYS = Object.keys(OomwatchSettingsSchema.shape) as (keyof OomwatchSettingsInput)[];

/** Validates settings; throws one error listing every bad key as it is spelled in context. */
export function parseSettings(input: unknown): OomwatchSettings {
  const parsed = OomwatchSettingsSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const key = issue.path.length > 0 ? `${CONTEXT_PREFIX}${issue.path.map(String).join(".")}` : "settings";
    // A bad record key (channelMap namespace) carries the real reason one level down.
    const message = issue.code === "invalid_key" ? issue.issues.map((i) => i.message).join("; ") : issue.message;
    return `  - ${key}: ${message}`;
  });
  throw new Error(`invalid oomwatch deployment settings:\n${problems.join("\n")}`);
}

/** Reads `oomwatch:*` context values (cdk.json or `-c`); unset keys are left out. */
export function settingsFromContext(tryGetContext: (key: string) => unknown): Partial<Record<keyof OomwatchSettingsInput, unknown>> {
  const raw: Partial<Record<keyof OomwatchSettingsInput, unknown>> = {};
  for (const key of SETTINGS_KEYS) {
    const value = tryGetContext(`${CONTEXT_PREFIX}${key}`);
    if (value !== undefined && value !== "") raw[key] = value;
  }
  return raw;
}
