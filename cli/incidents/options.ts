/**
 * Parsing of `oomwatch incidents` flags into a typed IncidentQuery. Pure
 * functions: every bad value becomes a UsageError with a one-line message.
 */
import { LevelSchema, type Level } from "../../shared/schema/incident.ts";
import type { IncidentKind } from "../../shared/schema/occurrence.ts";
import { KIND_CHOICES, kindFromName } from "./kinds.ts";
import type { IncidentQuery, WorkloadFilter } from "../../shared/storage/queries.ts";

/** Input the user can fix; the CLI prints the message alone and exits non-zero. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Cluster used when neither `--cluster` nor OOMWATCH_CLUSTER is set (the functions' default too). */
export const DEFAULT_CLUSTER = "default";

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DURATION = /^(?:\d+[smhdw])+$/;

/** `30m`, `24h`, `7d`, `1d12h` to milliseconds. */
export function parseDuration(text: string): number {
  const s = text.trim();
  if (!DURATION.test(s)) throw new UsageError(`malformed duration "${text}": use e.g. 30m, 24h, 7d or an ISO timestamp`);
  let ms = 0;
  for (const [, n, unit] of s.matchAll(/(\d+)([smhdw])/g)) ms += Number(n) * UNIT_MS[unit!]!;
  return ms;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/**
 * A point in time: a duration back from `now` (`7d`) or an ISO timestamp / date
 * (dates are UTC midnight). Returned as UTC ISO, the form `timeKey` sorts in.
 */
export function parseTime(text: string, now: Date, flag: string): string {
  const s = text.trim();
  if (DURATION.test(s)) return new Date(now.getTime() - parseDuration(s)).toISOString();
  if (ISO_DATE.test(s) || ISO_DATETIME.test(s)) {
    const ms = Date.parse(ISO_DATE.test(s) ? `${s}T00:00:00Z` : s);
    if (!Number.isNaN(ms)) return new Date(ms).toISOString();
  }
  throw new UsageError(`malformed ${flag} "${text}": use a duration (30m, 24h, 7d) or an ISO timestamp (2024-05-01T12:00:00Z)`);
}

export function parseLevel(text: string): Level {
  const parsed = LevelSchema.safeParse(Number(text.trim().replace(/^l(evel)?\s*/i, "")));
  if (!parsed.success) throw new UsageError(`unknown level "${text}": expected 0 (early warning), 1, 2 or 3`);
  return parsed.data;
}

export function parseKind(text: string): IncidentKind {
  const kind = kindFromName(text);
  if (!kind) throw new UsageError(`unknown kind "${text}": expected one of ${KIND_CHOICES}`);
  return kind;
}

const STATUSES = ["open", "resolved"] as const;

export function parseStatus(text: string): "open" | "resolved" {
  const wanted = text.trim().toLowerCase();
  const status = STATUSES.find((s) => s === wanted);
  if (!status) throw new UsageError(`unknown status "${text}": expected open or resolved`);
  return status;
}

// Workload kinds as Kubernetes spells them (the index key is case-sensitive), with kubectl's short names.
const KINDS: Record<string, string[]> = {
  Deployment: ["deploy"],
  StatefulSet: ["sts"],
  DaemonSet: ["ds"],
  ReplicaSet: ["rs"],
  Job: [],
  CronJob: ["cj"],
  Pod: ["po"],
  ReplicationController: ["rc"],
  Rollout: ["ro"],
};

/** `deploy`, `deployments`, `DEPLOYMENT` -> `Deployment`; an unknown kind is kept as typed. */
function canonicalKind(text: string): string {
  const t = text.toLowerCase();
  for (const [kind, short] of Object.entries(KINDS)) {
    const k = kind.toLowerCase();
    if (t === k || t === `${k}s` || short.includes(t)) return kind;
  }
  return text;
}

/** `deployment/api` (kind matched case-insensitively, kubectl short names too) or `api` (any kind). */
export function parseWorkload(text: string): WorkloadFilter {
  const s = text.trim();
  const slash = s.indexOf("/");
  if (slash === -1) {
    if (!s) throw new UsageError(`malformed --workload "${text}": use KIND/NAME (deployment/api) or NAME`);
    return { name: s };
  }
  const kindText = s.slice(0, slash);
  const name = s.slice(slash + 1);
  if (!kindText || !name || name.includes("/")) {
    throw new UsageError(`malformed --workload "${text}": use KIND/NAME (deployment/api) or NAME`);
  }
  return { kind: canonicalKind(kindText), name };
}

export function parseLimit(text: string, flag = "--limit"): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new UsageError(`malformed ${flag} "${text}": expected a whole number from 1 to 10000`);
  return n;
}

/** Filter flags shared by `list` and `stats` (commander option values). */
export interface FilterFlags {
  cluster?: string;
  namespace?: string;
  workload?: string;
  node?: string;
  level?: string;
  kind?: string;
  status?: string;
  since?: string;
  until?: string;
}

/** A query without its cluster: which clusters a command covers is resolveClusters' choice (./scope.ts). */
export type IncidentFilter = Omit<IncidentQuery, "cluster">;

/** The filter flags (all but --cluster) as a query. */
export function buildQuery(flags: FilterFlags, now: Date): IncidentFilter {
  const q: IncidentFilter = {};
  if (flags.namespace) q.namespace = flags.namespace;
  if (flags.workload) q.workload = parseWorkload(flags.workload);
  if (flags.node) q.node = flags.node;
  if (flags.level !== undefined) q.level = parseLevel(flags.level);
  if (flags.kind !== undefined) q.kind = parseKind(flags.kind);
  if (flags.status !== undefined) q.status = parseStatus(flags.status);
  if (flags.since !== undefined) q.since = parseTime(flags.since, now, "--since");
  if (flags.until !== undefined) q.until = parseTime(flags.until, now, "--until");
  if (q.since && q.until && q.since > q.until) throw new UsageError(`--since (${q.since}) is after --until (${q.until})`);
  return q;
}
