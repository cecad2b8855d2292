/**
 * `oomwatch incidents list|show|stats`: post-incident queries over the incidents
 * table, every list served by a DynamoDB Query on a GSI (shared/storage/queries.ts).
 * Dependencies (store, clock, output) are injectable so tests run the real
 * commands in-process against the emulators.
 */
import type { Command } from "commander";
import { DEFAULT_DATA_DIR, readSandboxInfo } from "../sandbox/local-aws.ts";
import { DEFAULT_VIEW_PORT } from "../sandbox/slack-view/server.ts";
import type { IncidentQuery, InvalidItem } from "../shared/storage/queries.ts";
import { QueryInputError, findIncidentsByIdPrefix, getIncident, iterateIncidents, listOccurrences, queryIncidents } from "../shared/storage/queries.ts";
import { LIST_FORMATS, formatList, type ListFormat } from "./incidents/format-list.ts";
import { writeFileSync } from "node:fs";
import { formatIncident } from "./incidents/format-show.ts";
import { KIND_ALIASES, KIND_CHOICES } from "./incidents/kinds.ts";
import type { Incident } from "../shared/schema/incident.ts";
import { incidentChart } from "../shared/memory/incident-chart.ts";
import { UsageError, buildQuery, parseLimit, parseTime, type FilterFlags } from "./incidents/options.ts";
import { computeStats, formatStats, type RankBy } from "./incidents/stats.ts";
import { chooseBackend, openIncidentStore, type IncidentStore, type StoreFlags } from "./incidents/store.ts";

export interface IncidentsDeps {
  env: NodeJS.ProcessEnv;
  now: () => Date;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  setExitCode: (code: number) => void;
  openStore: (flags: StoreFlags) => Promise<IncidentStore>;
}

function defaultDeps(overrides: Partial<IncidentsDeps>): IncidentsDeps {
  const env = overrides.env ?? process.env;
  return {
    env,
    now: () => new Date(),
    stdout: (t) => process.stdout.write(`${t}\n`),
    stderr: (t) => process.stderr.write(`${t}\n`),
    setExitCode: (code) => {
      process.exitCode = code;
    },
    openStore: (flags) => openIncidentStore(flags, env, DEFAULT_DATA_DIR),
    ...overrides,
  };
}

/** One of `allowed`, or a UsageError naming the flag. */
function choice<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`unknown ${flag} "${value}": expected ${allowed.join(", ")}`);
}

function storeOptions(cmd: Command): Command {
  return cmd
    .option("--data-dir <dir>", `local data directory written by the sandbox (default ${DEFAULT_DATA_DIR})`)
    .option("--table <name>", "DynamoDB table in AWS (env INCIDENTS_TABLE); selects AWS unless --data-dir is given")
    .option("--region <region>", "AWS region (env AWS_REGION)")
    .option("--endpoint <url>", "DynamoDB endpoint override (e.g. a local emulator)");
}

/** Filters of `list` and `stats`; only the `--since` default differs. */
function filterOptions(cmd: Command, sinceDefault?: string): Command {
  return cmd
    .option("--cluster <name>", "cluster (env OOMWATCH_CLUSTER, else \"default\")")
    .option("--namespace <ns>", "namespace")
    .option("--workload <kind/name|name>", "workload, e.g. deployment/api, or api for any kind")
    .option("--node <name>", "node")
    .option("--level <0|1|2|3>", "runbook level (0: early warnings)")
    .option("--kind <kind>", `kind, case-insensitive: ${KIND_CHOICES}`)
    .option("--status <open|resolved>", "lifecycle: open, or resolved after a quiet window")
    .option("--since <time>", "first seen at or after: duration ago (30m, 24h, 7d) or ISO timestamp", sinceDefault)
    .option("--until <time>", "first seen at or before: duration ago or ISO timestamp");
}

/**
 * Wraps a subcommand: `open` starts the backend lazily (after the flags were
 * validated) and it is always closed; user errors and AWS errors become one
 * line on stderr and exit code 1 (no stack trace, no help text).
 */
function action<A extends unknown[]>(deps: IncidentsDeps, run: (open: () => Promise<IncidentStore>, ...args: A) => Promise<void>) {
  return async (...args: A): Promise<void> => {
    // commander passes (...arguments, options, command): options are second to last.
    const flags = args[args.length - 2] as StoreFlags;
    let store: IncidentStore | undefined;
    const open = async () => {
      store ??= await deps.openStore(flags);
      return store;
    };
    try {
      await run(open, ...args);
    } catch (err) {
      deps.stderr(`error: ${oneLine(err, store)}`);
      deps.setExitCode(1);
    } finally {
      await store?.close();
    }
  };
}

/** The one incident whose id starts with `prefix`; none or several is a UsageError that lists the candidates. */
async function byPrefix(store: IncidentStore, prefix: string, flags: ShowFlags, env: NodeJS.ProcessEnv): Promise<Incident> {
  const cluster = buildQuery({ ...(flags.cluster ? { cluster: flags.cluster } : {}) }, envWithSandboxCluster(flags, env), new Date()).cluster;
  const found = prefix.trim() ? await findIncidentsByIdPrefix(store.doc, store.table, cluster, prefix.trim(), 10) : [];
  if (found.length === 1) return found[0]!;
  if (found.length === 0) throw new UsageError(`no incident "${prefix}" in ${store.describe} (cluster ${cluster})`);
  const rows = found.map((i) => `  ${i.id}  L${i.level} ${KIND_ALIASES[i.kind]}  ${i.firstSeen}`);
  throw new UsageError(`"${prefix}" matches ${found.length === 10 ? "10 or more" : found.length} incidents; give more of the id:\n${rows.join("\n")}`);
}

function oneLine(err: unknown, store: IncidentStore | undefined): string {
  if (err instanceof UsageError || err instanceof QueryInputError) return err.message;
  const e = err as { name?: string; message?: string };
  if (e.name === "ResourceNotFoundException" && store) return `${store.describe} does not exist`;
  return `${e.name && e.name !== "Error" ? `${e.name}: ` : ""}${(e.message ?? String(err)).split("\n")[0]}`;
}

function warnInvalid(deps: IncidentsDeps, invalid: InvalidItem[]): void {
  const first = invalid[0];
  if (first) deps.stderr(`warning: skipped ${invalid.length} item(s) that are not valid incidents (first: ${first.pk}: ${first.error.split("\n")[0]})`);
}

/**
 * Against a local data dir, the cluster of the last sandbox run is the natural default
 * (the sandbox records it in the data dir); --cluster and OOMWATCH_CLUSTER still win.
 */
function envWithSandboxCluster(flags: StoreFlags & FilterFlags, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (flags.cluster || env.OOMWATCH_CLUSTER || chooseBackend(flags, env) !== "local") return env;
  const info = readSandboxInfo(flags.dataDir || DEFAULT_DATA_DIR);
  return info ? { ...env, OOMWATCH_CLUSTER: info.cluster } : env;
}

function hintIfEmpty(deps: IncidentsDeps, count: number, q: IncidentQuery, flags: FilterFlags): void {
  if (count === 0 && !flags.cluster && !deps.env.OOMWATCH_CLUSTER) {
    deps.stderr(`note: no incidents for cluster "${q.cluster}"; choose one with --cluster or OOMWATCH_CLUSTER (sandbox: the scenario's cluster, e.g. --cluster demo)`);
  }
}

interface ListFlags extends FilterFlags, StoreFlags {
  limit: string;
  nextToken?: string;
  format: string;
}

interface ShowFlags extends StoreFlags {
  format: string;
  cluster?: string;
  chart?: string;
}

interface StatsFlags extends FilterFlags, StoreFlags {
  top: string;
  by: string;
  format: string;
}

export function registerIncidentsCommand(program: Command, overrides: Partial<IncidentsDeps> = {}): void {
  const deps = defaultDeps(overrides);
  const incidents = program.command("incidents").description("look back at incidents: list, show one, statistics (DynamoDB Query only)");

  const list = incidents.command("list").description("incidents newest first, filtered by index");
  filterOptions(storeOptions(list))
    .option("--limit <n>", "maximum incidents on this page", "50")
    .option("--next-token <token>", "continue after the previous page (token printed on stderr)")
    .option("--format <format>", "table, json or csv", "table")
    .action(
      action(deps, async (open, flags: ListFlags) => {
        const format = choice<ListFormat>(flags.format, LIST_FORMATS, "--format");
        const q = buildQuery(flags, envWithSandboxCluster(flags, deps.env), deps.now());
        const limit = parseLimit(flags.limit);
        const store = await open();
        const page = await queryIncidents(store.doc, store.table, q, { limit, ...(flags.nextToken ? { nextToken: flags.nextToken } : {}) });
        deps.stdout(formatList(page.items, format));
        warnInvalid(deps, page.invalid);
        if (page.nextToken) deps.stderr(`more: --next-token ${page.nextToken}`);
        else if (!flags.nextToken) hintIfEmpty(deps, page.items.length, q, flags);
      }),
    );

  const show = incidents.command("show").description("one incident in full").argument("<id>", "incident id, or a unique prefix of it");
  storeOptions(show)
    .option("--cluster <name>", "cluster to look a prefix up in (env OOMWATCH_CLUSTER, else the sandbox's or \"default\")")
    .option("--format <format>", "text, or json: {incident, members} with every occurrence", "text")
    .option("--chart <file>", "write the memory chart (PNG) of the incident's trace to this file")
    .action(
      action(deps, async (open, id: string, flags: ShowFlags) => {
        const format = choice(flags.format, ["text", "json"] as const, "--format");
        const store = await open();
        const incident = (await getIncident(store.doc, store.table, id)) ?? (await byPrefix(store, id, flags, deps.env));
        const members = await listOccurrences(store.doc, store.table, incident.id);
        // Sandbox data: the link opens the local Slack view (the sandbox serves it; `slack-view` once it has stopped).
        const dataDir = flags.dataDir || DEFAULT_DATA_DIR;
        const slackView =
          chooseBackend(flags, deps.env) === "local" ? { base: `http://127.0.0.1:${DEFAULT_VIEW_PORT}/`, hint: `after the sandbox: oomwatch slack-view --data-dir ${dataDir}` } : undefined;
        deps.stdout(format === "json" ? JSON.stringify({ incident, members }, null, 2) : formatIncident(incident, members, slackView ? { slackView } : {}));
        if (flags.chart) {
          const png = incidentChart(incident);
          if (!png) throw new UsageError(`incident ${incident.id} has no memory trace to chart (fewer than 2 samples)`);
          writeFileSync(flags.chart, png);
          deps.stderr(`chart: ${flags.chart}`);
        }
      }),
    );

  const stats = incidents.command("stats").description("top workloads and nodes, counts by level and kind, trend per day");
  filterOptions(storeOptions(stats), "7d")
    .option("--top <n>", "rows in the top workloads/nodes tables", "10")
    .option("--by <what>", "rank by incidents or occurrences", "incidents")
    .option("--format <format>", "table or json", "table")
    .action(
      action(deps, async (open, flags: StatsFlags) => {
        const format = choice(flags.format, ["table", "json"] as const, "--format");
        const by = choice<RankBy>(flags.by, ["incidents", "occurrences"], "--by");
        const top = parseLimit(flags.top, "--top");
        const now = deps.now();
        const q = buildQuery(flags, envWithSandboxCluster(flags, deps.env), now);
        const store = await open();
        const invalid: InvalidItem[] = [];
        const found = [];
        for await (const incident of iterateIncidents(store.doc, store.table, q, invalid)) found.push(incident);
        const result = computeStats(found, {
          cluster: q.cluster,
          since: q.since ?? parseTime("7d", now, "--since"), // --since defaults to 7d: only a safety net
          until: q.until ?? now.toISOString(),
          top,
          by,
        });
        deps.stdout(format === "json" ? JSON.stringify(result, null, 2) : formatStats(result));
        warnInvalid(deps, invalid);
        hintIfEmpty(deps, result.incidents, q, flags);
      }),
    );
}
