/**
 * `oomwatch incidents list|show|stats|clusters`: post-incident queries over the incidents
 * table, every list served by a DynamoDB Query on a GSI (shared/storage/queries.ts); only
 * `clusters` (and the default of a local data dir: every cluster in it) scans, and only locally.
 * Dependencies (store, clock, output) are injectable so tests run the real
 * commands in-process against the emulators.
 */
import type { Command } from "commander";
import { DEFAULT_DATA_DIR } from "../sandbox/local-aws.ts";
import type { InvalidItem } from "../shared/storage/queries.ts";
import {
  QueryInputError,
  findIncidentsByIdPrefix,
  getIncident,
  iterateIncidents,
  listOccurrences,
  queryIncidents,
  queryIncidentsInClusters,
  scanClusters,
} from "../shared/storage/queries.ts";
import { formatClusters } from "./incidents/format-clusters.ts";
import { hintNote, type Hint } from "./incidents/hints.ts";
import { describeClusters, resolveClusters, type ClusterScope } from "./incidents/scope.ts";
import { LIST_FORMATS, formatList, type ListFormat } from "./incidents/format-list.ts";
import { writeFileSync } from "node:fs";
import { formatIncident } from "./incidents/format-show.ts";
import { KIND_ALIASES, KIND_CHOICES } from "./incidents/kinds.ts";
import { shortTime } from "./incidents/text.ts";
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

const CLUSTER_HELP = 'cluster (env OOMWATCH_CLUSTER); default: every cluster of a local data dir, in AWS "default"';

/** Filters of `list` and `stats`; only the `--since` default differs. */
function filterOptions(cmd: Command, sinceDefault?: string): Command {
  return cmd
    .option("--cluster <name>", CLUSTER_HELP)
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
  const { clusters } = await resolveClusters(flags.cluster, env, store);
  const wanted = prefix.trim();
  const found: Incident[] = [];
  for (const cluster of clusters) {
    if (wanted && found.length < 10) found.push(...(await findIncidentsByIdPrefix(store.doc, store.table, cluster, wanted, 10 - found.length)));
  }
  if (found.length === 1) return found[0]!;
  found.sort((a, b) => b.firstSeen.localeCompare(a.firstSeen));
  if (found.length === 0) throw new UsageError(`no incident "${prefix}" in ${store.describe} (${describeClusters(clusters)})`);
  const where = (i: Incident) => (clusters.length > 1 ? `  ${i.cluster}` : "");
  const rows = found.map((i) => `  ${i.id}  L${i.level} ${KIND_ALIASES[i.kind]}  ${shortTime(i.firstSeen)}${where(i)}`);
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
 * After an empty result: what might find something, minus what the user already passed.
 * `--cluster` only when the cluster was nobody's choice (AWS default), `--since` only when a
 * bound applied (stats' default 7 days).
 */
function noteIfEmpty(deps: IncidentsDeps, cmd: Command, count: number, scope: ClusterScope, q: { since?: string }): void {
  if (count > 0) return;
  if (scope.from === "data" && scope.clusters.length === 0) {
    deps.stderr("note: the data dir has no incidents yet; run `oomwatch sandbox` first");
    return;
  }
  const hints: Hint[] = [];
  if (scope.from === "default") hints.push({ option: "cluster", text: "--cluster NAME (env OOMWATCH_CLUSTER)" });
  if (q.since) hints.push({ option: "since", text: "--since 30d for older ones" });
  const note = hintNote(`no incidents in ${describeClusters(scope.clusters)}`, cmd, hints);
  if (note) deps.stderr(note);
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
  const incidents = program.command("incidents").description("look back at incidents: list, show one, statistics, clusters");

  const list = incidents.command("list").description("incidents newest first, filtered by index");
  filterOptions(storeOptions(list))
    .option("--limit <n>", "maximum incidents on this page", "50")
    .option("--next-token <token>", "continue after the previous page (token printed on stderr)")
    .option("--format <format>", "table, json or csv", "table")
    .action(
      action(deps, async (open, flags: ListFlags, cmd: Command) => {
        const format = choice<ListFormat>(flags.format, LIST_FORMATS, "--format");
        const q = buildQuery(flags, deps.now());
        const limit = parseLimit(flags.limit);
        const store = await open();
        const scope = await resolveClusters(flags.cluster, deps.env, store);
        const paging = { limit, ...(flags.nextToken ? { nextToken: flags.nextToken } : {}) };
        // Every cluster of the data dir: merged newest first, with a token over all of them.
        const page =
          scope.from === "data"
            ? await queryIncidentsInClusters(store.doc, store.table, scope.clusters, q, paging)
            : await queryIncidents(store.doc, store.table, { ...q, cluster: scope.clusters[0]! }, paging);
        deps.stdout(formatList(page.items, format, { clusterColumn: scope.clusters.length > 1 }));
        warnInvalid(deps, page.invalid);
        if (page.nextToken) deps.stderr(`more: --next-token ${page.nextToken}`);
        else if (!flags.nextToken) noteIfEmpty(deps, cmd, page.items.length, scope, q);
      }),
    );

  const show = incidents.command("show").description("one incident in full").argument("<id>", "incident id, or a unique prefix of it");
  storeOptions(show)
    .option("--cluster <name>", `cluster to look a prefix up in: ${CLUSTER_HELP}`)
    .option("--format <format>", "text, or json: {incident, members} with every occurrence", "text")
    .option("--chart <file>", "write the memory chart (PNG) of the incident's trace to this file")
    .action(
      action(deps, async (open, id: string, flags: ShowFlags) => {
        const format = choice(flags.format, ["text", "json"] as const, "--format");
        const store = await open();
        const incident = (await getIncident(store.doc, store.table, id)) ?? (await byPrefix(store, id, flags, deps.env));
        const members = await listOccurrences(store.doc, store.table, incident.id);
        // Sandbox data: the link opens the local Slack view the sandbox served; `slack-view` serves it once the sandbox has stopped.
        const slackViewHint = chooseBackend(flags, deps.env) === "local" ? `after the sandbox: oomwatch slack-view --data-dir ${flags.dataDir || DEFAULT_DATA_DIR}` : undefined;
        deps.stdout(format === "json" ? JSON.stringify({ incident, members }, null, 2) : formatIncident(incident, members, slackViewHint ? { slackViewHint } : {}));
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
      action(deps, async (open, flags: StatsFlags, cmd: Command) => {
        const format = choice(flags.format, ["table", "json"] as const, "--format");
        const by = choice<RankBy>(flags.by, ["incidents", "occurrences"], "--by");
        const top = parseLimit(flags.top, "--top");
        const now = deps.now();
        const q = buildQuery(flags, now);
        const store = await open();
        const scope = await resolveClusters(flags.cluster, deps.env, store);
        const invalid: InvalidItem[] = [];
        const found: Incident[] = [];
        for (const cluster of scope.clusters) {
          for await (const incident of iterateIncidents(store.doc, store.table, { ...q, cluster }, invalid)) found.push(incident);
        }
        const result = computeStats(found, {
          clusters: scope.clusters,
          since: q.since ?? parseTime("7d", now, "--since"), // --since defaults to 7d: only a safety net
          until: q.until ?? now.toISOString(),
          top,
          by,
        });
        deps.stdout(format === "json" ? JSON.stringify(result, null, 2) : formatStats(result));
        warnInvalid(deps, invalid);
        noteIfEmpty(deps, cmd, result.incidents, scope, q);
      }),
    );

  const clusters = incidents.command("clusters").description("the clusters of a local data dir: incidents, open ones, latest occurrence");
  storeOptions(clusters)
    .option("--format <format>", "table or json", "table")
    .action(
      action(deps, async (open, flags: StoreFlags & { format: string }) => {
        const format = choice(flags.format, ["table", "json"] as const, "--format");
        if (chooseBackend(flags, deps.env) === "aws") {
          throw new UsageError("listing clusters reads the whole table (a Scan), so it is only done for a local data dir (--data-dir); in AWS, give list/stats/show a --cluster");
        }
        const store = await open();
        deps.stdout(formatClusters(await scanClusters(store.doc, store.table), format));
      }),
    );
}
