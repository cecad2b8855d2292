/**
 * `node bin/oomwatch.js incidents ...` as a subprocess: a local data directory
 * seeded through toIncidentItem (dynalite on its LevelDB files, stopped before
 * the CLI opens them), the AWS backend via --endpoint, and bad input exiting 1
 * with one line on stderr.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTables, localDynamoPath, startLocalAws } from "../../sandbox/local-aws.ts";
import type { Incident } from "../../shared/schema/incident.ts";
import { createTestAws, type TestAws } from "../support/aws.ts";
import { history, membersOf, newestFirst, putIncidents } from "./fixtures.ts";

const BIN = join(import.meta.dirname, "../../bin/oomwatch.js");

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function oomwatch(...args: string[]): Promise<Result> {
  // A clean env: no table/cluster from the developer's shell may change the backend.
  const { INCIDENTS_TABLE: _t, OOMWATCH_CLUSTER: _c, ...env } = process.env;
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, "incidents", ...args], { env, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const now = new Date();
const data = history(now);
const prod = data.filter((i) => i.cluster === "prod");
let dir: string;
let aws: TestAws;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "oomwatch-queries-"));
  const local = await startLocalAws({ dataDir: localDynamoPath(dir) });
  const { incidents } = await createTables(local.clients.dynamodb);
  await putIncidents(local.clients.doc, incidents, data);
  await local.stop(); // releases the LevelDB lock for the CLI
  aws = await createTestAws("qcli");
  await putIncidents(aws.clients.doc, aws.tables.incidents, data);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("oomwatch incidents (subprocess)", () => {
  it("lists from the local data directory as JSON incident records", async () => {
    const r = await oomwatch("list", "--data-dir", dir, "--cluster", "prod", "--namespace", "payments", "--format", "json");
    expect(r).toMatchObject({ code: 0, stderr: "" });
    const got = JSON.parse(r.stdout) as Incident[];
    expect(got).toEqual(prod.filter((i) => i.namespace === "payments").sort((a, b) => b.firstSeen.localeCompare(a.firstSeen)));
  });

  it("prints an aligned table within 100 columns and a token for the next page", async () => {
    const r = await oomwatch("list", "--data-dir", dir, "--cluster", "prod", "--limit", "5");
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^FIRST SEEN \(UTC\) +LVL +KIND +OCC +WHERE +ID$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).at(-1))).toEqual(newestFirst(prod).slice(0, 5));
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(100);
    expect(r.stderr).toMatch(/^more: --next-token [A-Za-z0-9_-]+\n$/);
  });

  it("shows one incident and its occurrences from AWS (--endpoint, --table) as JSON", async () => {
    const wanted = prod[5]!;
    const r = await oomwatch("show", wanted.id, "--endpoint", aws.endpoints.dynamodb, "--table", aws.tables.incidents, "--region", "us-east-1", "--format", "json");
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(r.stdout)).toEqual({ incident: wanted, members: membersOf(wanted) });
  });

  it("shows an incident by a unique id prefix; an ambiguous prefix lists the candidates", async () => {
    const at = ["--endpoint", aws.endpoints.dynamodb, "--table", aws.tables.incidents, "--region", "us-east-1", "--cluster", "prod"];
    const one = await oomwatch("show", "inc-07", ...at, "--format", "json");
    expect(one).toMatchObject({ code: 0, stderr: "" });
    const unique = await oomwatch("show", "stg", ...at.slice(0, -1), "staging", "--format", "json");
    expect(unique).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(unique.stdout).incident.id).toBe("stg-00");
    const many = await oomwatch("show", "inc-1", ...at);
    expect(many.code).toBe(1);
    expect(many.stderr).toMatch(/^error: "inc-1" matches 10 or more incidents; give more of the id:\n {2}inc-1\d {2}L\d \w+/);
    const none = await oomwatch("show", "zzz", ...at);
    expect(none.stderr).toMatch(/^error: no incident "zzz" in .*\(cluster prod\)/);
  });

  it("draws stats with a per-day trend", async () => {
    const r = await oomwatch("stats", "--data-dir", dir, "--cluster", "prod", "--since", "7d");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Cluster prod: \d+ incidents, \d+ occurrences/);
    expect(r.stdout).toContain("Top workloads");
    expect(r.stdout).toMatch(/Incidents per day \(UTC\)\n {2}\d{4}-\d{2}-\d{2} +\d+/);
    expect(r.stdout).toContain("█");
  });

  /** Runs each case (concurrently when none opens the data dir) and checks: exit 1, one line on stderr. */
  async function expectErrors(cases: [string[], RegExp][], concurrent: boolean): Promise<void> {
    const results = concurrent ? await Promise.all(cases.map(([args]) => oomwatch(...args))) : [];
    for (const [n, [args, message]] of cases.entries()) {
      const r = results[n] ?? (await oomwatch(...args));
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(r.stderr.trimEnd()).toMatch(message);
    }
  }

  it("bad flags: one line on stderr, exit code 1, before the data dir is opened", async () => {
    await expectErrors(
      [
        [["list", "--level", "4", "--data-dir", dir], /^error: unknown level "4": expected 0 \(early warning\), 1, 2 or 3$/],
        [["stats", "--since", "3x", "--data-dir", dir], /^error: malformed --since "3x"/],
        [["list", "--data-dir", join(dir, "nope")], /^error: no local data in .*nope/],
      ],
      true,
    );
  });

  it("unknown id and foreign token: one line on stderr, exit code 1", async () => {
    await expectErrors(
      [
        [["show", "no-such-incident", "--data-dir", dir], /^error: no incident "no-such-incident" in table oomwatch-incidents in /],
        [["list", "--next-token", "%%%", "--data-dir", dir], /^error: malformed --next-token/],
      ],
      false,
    );
  });

  it("a data directory held by a running sandbox is a clear error, not a crash", async () => {
    const sandbox = await startLocalAws({ dataDir: localDynamoPath(dir) });
    try {
      const r = await oomwatch("list", "--data-dir", dir, "--cluster", "prod");
      expect(r.code).toBe(1);
      expect(r.stderr.trimEnd()).toMatch(/^error: local data in .* is in use \(a running `oomwatch sandbox`\?\)/);
    } finally {
      await sandbox.stop();
    }
  });
});
