/**
 * A local data dir holding two clusters: `incidents clusters` lists both, and without
 * --cluster `list`, `stats` and `show <prefix>` cover both; --cluster narrows to one.
 * The real commands in-process, on dynalite over the data dir as `oomwatch` opens it.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTables, localDynamoPath, startLocalAws } from "../../sandbox/local-aws.ts";
import type { Incident } from "../../shared/schema/incident.ts";
import { HOUR, ago, makeIncident, putIncidents } from "../queries/fixtures.ts";
import { incidents } from "./harness.ts";

const now = new Date("2024-05-08T12:00:00.000Z");
const demo = (id: string, hoursAgo: number, o: Partial<Incident> = {}) =>
  makeIncident({ id, cluster: "demo", firstSeen: ago(now, hoursAgo * HOUR), groupKey: `demo|${id}`, ...o });
const prod = (id: string, hoursAgo: number, o: Partial<Incident> = {}) =>
  makeIncident({ id, cluster: "prod", firstSeen: ago(now, hoursAgo * HOUR), groupKey: `prod|${id}`, ...o });

// Interleaved in time, so a merged list alternates between the clusters.
const data: Incident[] = [
  demo("d-1", 1, { lastSeen: ago(now, 0.5 * HOUR) }),
  prod("p-1", 2),
  demo("d-2", 3, { status: "resolved" }),
  prod("p-2", 4, { kind: "NodeOOM", level: 3, namespace: undefined, workload: undefined, container: undefined }),
  prod("p-3", 4, { partOf: { incidentId: "p-2", kind: "NodeOOM" }, lastSeen: ago(now, 1.5 * HOUR) }),
  demo("d-3", 30),
  prod("p-4", 50, { status: "resolved" }),
];
const newestFirst = [...data].sort((a, b) => `${b.firstSeen}#${b.id}`.localeCompare(`${a.firstSeen}#${a.id}`)).map((i) => i.id);

let dir: string;
const run = (...args: string[]) => incidents({}, now, ...args, "--data-dir", dir);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "oomwatch-clusters-"));
  const local = await startLocalAws({ dataDir: localDynamoPath(dir) });
  const { incidents: table } = await createTables(local.clients.dynamodb);
  await putIncidents(local.clients.doc, table, data);
  await local.stop(); // releases the LevelDB lock for the CLI
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("incidents over a data dir with two clusters", () => {
  it("`clusters` lists each with its incidents, open ones and latest occurrence", async () => {
    const json = await run("clusters", "--format", "json");
    expect(json).toMatchObject({ code: 0, err: "" });
    expect(JSON.parse(json.out)).toEqual([
      { cluster: "demo", incidents: 3, open: 2, latest: ago(now, 0.5 * HOUR) },
      // p-3 is part of p-2: not an incident of its own, but its occurrence is the latest
      { cluster: "prod", incidents: 3, open: 2, latest: ago(now, 1.5 * HOUR) },
    ]);
    const table = await run("clusters");
    expect(table.out.split("\n")).toEqual([
      "CLUSTER  INCIDENTS  OPEN  LATEST (UTC)",
      "demo             3     2  2024-05-08 11:30",
      "prod             3     2  2024-05-08 10:30",
    ]);
  });

  it("list without --cluster covers both, newest first, with a CLUSTER column", async () => {
    const json = await run("list", "--format", "json");
    expect(json).toMatchObject({ code: 0, err: "" });
    expect((JSON.parse(json.out) as Incident[]).map((i) => i.id)).toEqual(newestFirst);
    const table = await run("list");
    const lines = table.out.split("\n");
    expect(lines[0]).toMatch(/^FIRST SEEN \(UTC\) +LVL +KIND +OCC +CLUSTER +WHERE +ID$/);
    expect(lines[1]).toMatch(/ demo +payments\/api \[server\] +d-1$/);
    expect(lines[2]).toMatch(/ prod +payments\/api \[server\] +p-1$/);
  });

  it("pages across both clusters without gaps or repeats", async () => {
    const seen: string[] = [];
    let token: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const r = await run("list", "--limit", "2", "--format", "json", ...(token ? ["--next-token", token] : []));
      expect(r.code).toBe(0);
      seen.push(...(JSON.parse(r.out) as Incident[]).map((i) => i.id));
      token = /^more: --next-token (\S+)$/m.exec(r.err)?.[1];
      if (!token) break;
    }
    expect(seen).toEqual(newestFirst);
  });

  it("--cluster narrows to that cluster (no CLUSTER column)", async () => {
    const json = await run("list", "--cluster", "prod", "--format", "json");
    expect((JSON.parse(json.out) as Incident[]).map((i) => i.id)).toEqual(newestFirst.filter((id) => id.startsWith("p-")));
    expect((await run("list", "--cluster", "prod")).out.split("\n")[0]).not.toContain("CLUSTER");
    const stats = await run("stats", "--cluster", "demo", "--format", "json");
    expect(JSON.parse(stats.out)).toMatchObject({ clusters: ["demo"], incidents: 3 });
  });

  it("stats without --cluster counts both", async () => {
    const r = await run("stats", "--since", "7d", "--format", "json");
    expect(r).toMatchObject({ code: 0, err: "" });
    expect(JSON.parse(r.out)).toMatchObject({ clusters: ["demo", "prod"], incidents: 6, partOfOther: 1, byKind: { oom: 5, nodeoom: 1 } });
    expect((await run("stats")).out).toMatch(/^Clusters demo, prod: 6 incidents \(\+1 part of a node OOM\)/);
  });

  it("show finds a prefix in any cluster; candidates come newest first with their cluster", async () => {
    const one = await run("show", "p-4", "--format", "json");
    expect(one).toMatchObject({ code: 0, err: "" });
    expect(JSON.parse(one.out).incident.id).toBe("p-4");
    const many = await run("show", "d");
    expect(many.code).toBe(1);
    expect(many.err).toBe('error: "d" matches 3 incidents; give more of the id:\n  d-1  L1 oom  2024-05-08 11:00  demo\n  d-2  L1 oom  2024-05-08 09:00  demo\n  d-3  L1 oom  2024-05-07 06:00  demo');
    const none = await run("show", "x-");
    expect(none.err).toMatch(/^error: no incident "x-" in table oomwatch-incidents in .* \(clusters demo, prod\)$/);
  });

  it("`clusters` is for a local data dir only: in AWS it says so, before any read", async () => {
    const r = await incidents({}, now, "clusters", "--table", "oomwatch-incidents", "--endpoint", "http://127.0.0.1:9");
    expect(r).toMatchObject({ code: 1, out: "" });
    expect(r.err).toMatch(/^error: listing clusters reads the whole table \(a Scan\), so it is only done for a local data dir/);
  });
});
