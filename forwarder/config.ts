/**
 * Forwarder configuration from environment variables, overridable by flags,
 * validated with zod at start: a bad value stops the process with its name and
 * the reason. Flags use the same names in kebab case (see main.ts --help).
 */
import { hostname } from "node:os";
import * as z from "zod";
import { type EarlyWarningPolicy, EarlyWarningPolicySchema } from "../shared/memory/early-warning.ts";

/**
 * Defaults of the forwarder's settings, in one place: the env schema, the flags'
 * help and library callers (startForwarder without a config, tests, bench) read them here.
 */
export const FORWARDER_DEFAULTS = {
  lookbackMs: 3_600_000,
  leaderElection: true,
  leaseName: "oomwatch-forwarder",
  /** Used when neither OOMWATCH_LEASE_NAMESPACE nor the pod's namespace is known. */
  leaseNamespace: "oomwatch",
  leaseDurationMs: 15_000,
  renewMs: 5_000,
  outboxSize: 10_000,
  captureLogs: false,
  metricsPort: 8080,
  flushTimeoutMs: 10_000,
  logLevel: "INFO",
  /** metrics.k8s.io sampling interval: metrics-server resolves 15-60 s, so faster adds nothing. */
  metricsIntervalMs: 30_000,
} as const;

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** The shortest of `1h`, `30m`, `15s`, `500ms` that states `ms` exactly (for help texts). */
export function formatDuration(ms: number): string {
  for (const unit of ["h", "m", "s"] as const) if (ms % UNITS[unit]! === 0) return `${ms / UNITS[unit]!}${unit}`;
  return `${ms}ms`;
}

/** "500ms", "15s", "30m", "1h", "1h30m" or plain milliseconds. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t);
  const parts = [...t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (!parts.length || parts.map((p) => p[0]).join("") !== t) return undefined;
  return parts.reduce((sum, p) => sum + Number(p[1]) * (UNITS[p[2]!] ?? 0), 0);
}

const duration = (fallbackMs: number) =>
  z
    .string()
    .default(String(fallbackMs))
    .transform((s, ctx) => {
      const ms = parseDuration(s);
      if (ms === undefined || ms <= 0) {
        ctx.addIssue({ code: "custom", message: `"${s}" is not a duration (e.g. 500ms, 15s, 30m, 1h)` });
        return z.NEVER;
      }
      return ms;
    });

const bool = (fallback: boolean) =>
  z
    .enum(["true", "false", "1", "0", "yes", "no"], { message: "must be true or false" })
    .default(fallback ? "true" : "false")
    .transform((s) => s === "true" || s === "1" || s === "yes");

const int = (fallback: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(fallback);

export const ForwarderEnvSchema = z.object({
  OOMWATCH_CLUSTER: z.string({ message: "is required (cluster name in incidents)" }).min(1),
  EVENTS_QUEUE_URL: z.url({ message: "must be the URL of the oomwatch events queue" }),
  /** Comma-separated namespaces to watch; empty: all. */
  OOMWATCH_NAMESPACES: z
    .string()
    .optional()
    .transform((s) => (s ? s.split(",").map((n) => n.trim()).filter(Boolean) : undefined)),
  OOMWATCH_LOOKBACK: duration(FORWARDER_DEFAULTS.lookbackMs),
  OOMWATCH_LEADER_ELECTION: bool(FORWARDER_DEFAULTS.leaderElection),
  OOMWATCH_LEASE_NAMESPACE: z.string().min(1).optional(),
  OOMWATCH_LEASE_NAME: z.string().min(1).default(FORWARDER_DEFAULTS.leaseName),
  OOMWATCH_LEASE_DURATION: duration(FORWARDER_DEFAULTS.leaseDurationMs),
  OOMWATCH_LEASE_RENEW: duration(FORWARDER_DEFAULTS.renewMs),
  OOMWATCH_OUTBOX_SIZE: int(FORWARDER_DEFAULTS.outboxSize, 1, 1_000_000),
  OOMWATCH_CAPTURE_LOGS: bool(FORWARDER_DEFAULTS.captureLogs),
  OOMWATCH_METRICS_PORT: int(FORWARDER_DEFAULTS.metricsPort, 0, 65_535),
  OOMWATCH_FLUSH_TIMEOUT: duration(FORWARDER_DEFAULTS.flushTimeoutMs),
  /** Replica identity in the Lease; the pod name in a cluster (downward API). */
  OOMWATCH_IDENTITY: z.string().min(1).optional(),
  POD_NAME: z.string().optional(),
  POD_NAMESPACE: z.string().optional(),
  LOG_LEVEL: z.enum(["DEBUG", "INFO", "WARN", "ERROR", "SILENT"]).default(FORWARDER_DEFAULTS.logLevel),
  METRICS_INTERVAL: duration(FORWARDER_DEFAULTS.metricsIntervalMs),
  /** JSON, validated with EarlyWarningPolicySchema; every field optional (defaults: the reference rules). */
  EARLY_WARNING_POLICY: z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (!s?.trim()) return EarlyWarningPolicySchema.parse({});
      let raw: unknown;
      try {
        raw = JSON.parse(s);
      } catch (err) {
        ctx.addIssue({ code: "custom", message: `is not JSON: ${(err as Error).message}` });
        return z.NEVER;
      }
      const parsed = EarlyWarningPolicySchema.safeParse(raw);
      if (!parsed.success) {
        for (const i of parsed.error.issues) ctx.addIssue({ code: "custom", message: `${i.path.join(".")}: ${i.message}` });
        return z.NEVER;
      }
      return parsed.data;
    }),
});

export interface ForwarderConfig {
  cluster: string;
  queueUrl: string;
  namespaces?: string[];
  lookbackMs: number;
  leaderElection: false | { namespace: string; name: string; leaseDurationMs: number; renewMs: number };
  identity: string;
  outboxSize: number;
  captureLogs: boolean;
  metricsPort: number;
  flushTimeoutMs: number;
  logLevel: "DEBUG" | "INFO" | "WARN" | "ERROR" | "SILENT";
  metricsIntervalMs: number;
  earlyWarningPolicy: EarlyWarningPolicy;
}

/** Flag name (kebab case, as given to commander) → env name. */
export const FLAG_ENV: Record<string, keyof z.input<typeof ForwarderEnvSchema>> = {
  cluster: "OOMWATCH_CLUSTER",
  queueUrl: "EVENTS_QUEUE_URL",
  namespaces: "OOMWATCH_NAMESPACES",
  lookback: "OOMWATCH_LOOKBACK",
  leaderElection: "OOMWATCH_LEADER_ELECTION",
  leaseNamespace: "OOMWATCH_LEASE_NAMESPACE",
  leaseName: "OOMWATCH_LEASE_NAME",
  leaseDuration: "OOMWATCH_LEASE_DURATION",
  leaseRenew: "OOMWATCH_LEASE_RENEW",
  outboxSize: "OOMWATCH_OUTBOX_SIZE",
  captureLogs: "OOMWATCH_CAPTURE_LOGS",
  metricsPort: "OOMWATCH_METRICS_PORT",
  flushTimeout: "OOMWATCH_FLUSH_TIMEOUT",
  identity: "OOMWATCH_IDENTITY",
  logLevel: "LOG_LEVEL",
  metricsInterval: "METRICS_INTERVAL",
  earlyWarningPolicy: "EARLY_WARNING_POLICY",
};

export class ConfigError extends Error {}

/** Env plus flags (flags win) → validated config; throws ConfigError listing every problem. */
export function loadForwarderConfig(env: NodeJS.ProcessEnv, flags: Record<string, string | boolean | undefined> = {}): ForwarderConfig {
  const merged: Record<string, string | undefined> = { ...env };
  for (const [flag, value] of Object.entries(flags)) {
    const name = FLAG_ENV[flag];
    if (name && value !== undefined) merged[name] = String(value);
  }
  const parsed = ForwarderEnvSchema.safeParse(merged);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new ConfigError(`invalid forwarder configuration:\n${problems}`);
  }
  const c = parsed.data;
  if (c.OOMWATCH_LEASE_RENEW >= c.OOMWATCH_LEASE_DURATION) {
    throw new ConfigError("invalid forwarder configuration:\n  OOMWATCH_LEASE_RENEW: must be shorter than OOMWATCH_LEASE_DURATION");
  }
  return {
    cluster: c.OOMWATCH_CLUSTER,
    queueUrl: c.EVENTS_QUEUE_URL,
    namespaces: c.OOMWATCH_NAMESPACES,
    lookbackMs: c.OOMWATCH_LOOKBACK,
    leaderElection: c.OOMWATCH_LEADER_ELECTION
      ? {
          namespace: c.OOMWATCH_LEASE_NAMESPACE ?? c.POD_NAMESPACE ?? FORWARDER_DEFAULTS.leaseNamespace,
          name: c.OOMWATCH_LEASE_NAME,
          leaseDurationMs: c.OOMWATCH_LEASE_DURATION,
          renewMs: c.OOMWATCH_LEASE_RENEW,
        }
      : false,
    identity: c.OOMWATCH_IDENTITY ?? c.POD_NAME ?? hostname(),
    outboxSize: c.OOMWATCH_OUTBOX_SIZE,
    captureLogs: c.OOMWATCH_CAPTURE_LOGS,
    metricsPort: c.OOMWATCH_METRICS_PORT,
    flushTimeoutMs: c.OOMWATCH_FLUSH_TIMEOUT,
    logLevel: c.LOG_LEVEL,
    metricsIntervalMs: c.METRICS_INTERVAL,
    earlyWarningPolicy: c.EARLY_WARNING_POLICY,
  };
}
