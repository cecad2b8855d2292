/** Pure parts of `oomwatch incidents`: query planning, tokens, flag parsing, formatting, stats. */
import { describe, expect, it } from "vitest";
import { QueryInputError, decodeNextToken, encodeNextToken, planIncidentQuery, type IncidentQuery } from "../../shared/storage/queries.ts";
import { UsageError, buildQuery, parseDuration, parseKind, parseLevel, parseLimit, parseStatus, parseTime, parseWorkload } from "../../cli/incidents/options.ts";
import { KIND_ALIASES } from "../../cli/incidents/kinds.ts";
import { resolveClusters } from "../../cli/incidents/scope.ts";
import type { IncidentStore } from "../../cli/incidents/store.ts";
import { IncidentKindSchema } from "../../shared/schema/occurrence.ts";
import { csvField, formatCsv, formatTable } from "../../cli/incidents/format-list.ts";
import { formatIncident } from "../../cli/incidents/format-show.ts";
import { computeStats, formatStats } from "../../cli/incidents/stats.ts";
import { bar, clean, renderTable } from "../../cli/incidents/text.ts";
import { DAY, HOUR, ago, history, makeIncident, membersOf } from "./fixtures.ts";

const T = "tbl";
const plan = (q: Partial<IncidentQuery>) => planIncidentQuery(T, { cluster: "prod", ...q });
/** The value bound to the index partition key. */
const partitionValue = (p: ReturnType<typeof plan>) => {
  const ref = /= (:v\d+)/.exec(p.input.KeyConditionExpression!)![1]!;
  return p.input.ExpressionAttributeValues![ref];
};
const filterValues = (p: ReturnType<typeof plan>) => {
  const refs = [...(p.input.FilterExpression ?? "").matchAll(/:v\d+/g)].map((m) => m[0]);
  return refs.map((r) => p.input.ExpressionAttributeValues![r]);
};

describe("planIncidentQuery", () => {
  it("uses byCluster newest first when nothing narrower is given", () => {
    const p = plan({});
    expect(p.input).toMatchObject({ TableName: T, IndexName: "byCluster", ScanIndexForward: false });
    expect(partitionValue(p)).toBe("CLUSTER#prod");
    expect(p.input.FilterExpression).toBeUndefined();
    expect(p.filtered).toBe(false);
    // No sort-key condition, so no unused `#timeKey` name (DynamoDB rejects unused names).
    expect(p.input.ExpressionAttributeNames).toEqual({ "#clusterKey": "clusterKey" });
  });

  it("picks the most selective index: workload > node > namespace > level > cluster", () => {
    const all = { namespace: "payments", workload: { kind: "Deployment", name: "api" }, node: "n1", level: 2 as const };
    expect(plan(all).index).toBe("byWorkload");
    expect(partitionValue(plan(all))).toBe("WL#prod#payments#Deployment/api");
    expect(filterValues(plan(all))).toEqual(["n1", 2]);
    expect(plan({ ...all, workload: undefined }).index).toBe("byNode");
    expect(filterValues(plan({ ...all, workload: undefined }))).toEqual(["payments", 2]);
    expect(plan({ namespace: "payments", level: 2 }).index).toBe("byNamespace");
    expect(partitionValue(plan({ namespace: "payments", level: 2 }))).toBe("NS#prod#payments");
    expect(plan({ level: 3 }).index).toBe("byLevel");
    expect(partitionValue(plan({ level: 3 }))).toBe("LEVEL#prod#3");
  });

  it("filters by status; an incident without one is open", () => {
    const open = plan({ status: "open" });
    expect(open.input.FilterExpression).toMatch(/attribute_not_exists\(#status\) OR #status = :v\d+/);
    const resolved = plan({ status: "resolved" });
    expect(resolved.input.FilterExpression).toMatch(/#status = :v\d+/);
    expect(Object.values(resolved.input.ExpressionAttributeValues ?? {})).toContain("resolved");
  });

  it("filters a workload it cannot key: name only, or kind without namespace", () => {
    const byName = plan({ namespace: "web", workload: { name: "api" } });
    expect(byName.index).toBe("byNamespace");
    expect(byName.input.FilterExpression).toBe("#workload.#name = :v1");
    expect(filterValues(byName)).toEqual(["api"]);
    const noNs = plan({ workload: { kind: "Deployment", name: "api" }, kind: "ContainerOOM" });
    expect(noNs.index).toBe("byCluster");
    expect(filterValues(noNs)).toEqual(["api", "Deployment", "ContainerOOM"]);
    expect(noNs.filtered).toBe(true);
  });

  it("bounds timeKey with BETWEEN, or one side when only one bound is given", () => {
    const since = "2024-05-01T00:00:00.000Z";
    const until = "2024-05-08T00:00:00.000Z";
    const both = plan({ since, until });
    expect(both.input.KeyConditionExpression).toBe("#clusterKey = :v0 AND #timeKey BETWEEN :v1 AND :v2");
    expect(both.input.ExpressionAttributeValues![":v1"]).toBe(since);
    // An incident first seen exactly at `until` (timeKey `<until>#<id>`) is inside the range.
    expect(`${until}#zzzz` < String(both.input.ExpressionAttributeValues![":v2"])).toBe(true);
    expect(plan({ since }).input.KeyConditionExpression).toBe("#clusterKey = :v0 AND #timeKey >= :v1");
    expect(plan({ until }).input.KeyConditionExpression).toBe("#clusterKey = :v0 AND #timeKey <= :v1");
  });
});

describe("next tokens", () => {
  const key = { pk: "INC#x", sk: "INCIDENT", clusterKey: "CLUSTER#prod", timeKey: "2024-05-01T00:00:00.000Z#x" };

  it("round-trips the key for the same index", () => {
    const token = encodeNextToken("byCluster", key);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeNextToken(token, "byCluster")).toEqual(key);
  });

  it("refuses garbage and tokens of another query", () => {
    expect(() => decodeNextToken("not a token!", "byCluster")).toThrow(QueryInputError);
    expect(() => decodeNextToken(Buffer.from("[1]").toString("base64url"), "byCluster")).toThrow(/malformed --next-token/);
    expect(() => decodeNextToken(encodeNextToken("byNode", key), "byCluster")).toThrow(/another query/);
  });
});

describe("flag parsing", () => {
  const now = new Date("2024-05-08T12:00:00.000Z");

  it("parses durations and refuses malformed ones", () => {
    expect(parseDuration("30m")).toBe(30 * 60_000);
    expect(parseDuration("24h")).toBe(DAY);
    expect(parseDuration("1d12h")).toBe(DAY + 12 * HOUR);
    for (const bad of ["", "7", "3x", "-1d", "1.5h", "h"]) expect(() => parseDuration(bad)).toThrow(UsageError);
  });

  it("turns durations, ISO timestamps and dates into UTC ISO", () => {
    expect(parseTime("7d", now, "--since")).toBe("2024-05-01T12:00:00.000Z");
    expect(parseTime("2024-05-01T14:00:00+02:00", now, "--since")).toBe("2024-05-01T12:00:00.000Z");
    expect(parseTime("2024-05-01", now, "--until")).toBe("2024-05-01T00:00:00.000Z");
    expect(() => parseTime("yesterday", now, "--since")).toThrow(/malformed --since "yesterday"/);
    expect(() => parseTime("2024-13-45T00:00:00Z", now, "--until")).toThrow(/malformed --until/);
  });

  it("parses levels, kinds, workloads and limits", () => {
    expect(parseLevel("2")).toBe(2);
    expect(parseLevel("L3")).toBe(3);
    expect(parseLevel("0")).toBe(0);
    expect(() => parseLevel("4")).toThrow('unknown level "4": expected 0 (early warning), 1, 2 or 3');
    expect(() => parseLevel("high")).toThrow(UsageError);
    expect(parseKind("nodeoom")).toBe("NodeOOM");
    // short aliases, case-insensitive, the names the KIND column shows
    expect(["oom", "OOM", "eviction", "Pressure", "NODEOOM"].map(parseKind)).toEqual(["ContainerOOM", "ContainerOOM", "PodEviction", "NodeMemoryPressure", "NodeOOM"]);
    expect(() => parseKind("ooms")).toThrow(/unknown kind "ooms": expected one of oom \(ContainerOOM\), eviction \(PodEviction\)/);
    for (const kind of IncidentKindSchema.options) expect(parseKind(KIND_ALIASES[kind])).toBe(kind);
    expect(parseStatus("Resolved")).toBe("resolved");
    expect(() => parseStatus("closed")).toThrow('unknown status "closed": expected open or resolved');
    expect(parseWorkload("deployment/api")).toEqual({ kind: "Deployment", name: "api" });
    expect(parseWorkload("STATEFULSET/db")).toEqual({ kind: "StatefulSet", name: "db" });
    expect(parseWorkload("Widget/x")).toEqual({ kind: "Widget", name: "x" });
    expect(parseWorkload("deploy/api")).toEqual({ kind: "Deployment", name: "api" });
    expect(parseWorkload("cronjobs/report")).toEqual({ kind: "CronJob", name: "report" });
    expect(parseWorkload("api")).toEqual({ name: "api" });
    for (const bad of ["/api", "deployment/", "a/b/c", " "]) expect(() => parseWorkload(bad)).toThrow(/malformed --workload/);
    expect(parseLimit("25")).toBe(25);
    for (const bad of ["0", "-1", "2.5", "many"]) expect(() => parseLimit(bad)).toThrow(/malformed --limit/);
  });

  it("takes the cluster from the flag, then OOMWATCH_CLUSTER, then default (against AWS), and builds the query from the other flags", async () => {
    const aws = { backend: "aws" } as IncidentStore;
    expect((await resolveClusters(undefined, {}, aws)).clusters).toEqual(["default"]);
    expect((await resolveClusters(undefined, { OOMWATCH_CLUSTER: "sandbox" }, aws)).clusters).toEqual(["sandbox"]);
    expect((await resolveClusters("prod", { OOMWATCH_CLUSTER: "sandbox" }, aws)).clusters).toEqual(["prod"]);
    expect(buildQuery({ cluster: "prod", namespace: "web", workload: "api", level: "1", kind: "containeroom", since: "1d" }, now)).toEqual({
      namespace: "web",
      workload: { name: "api" },
      level: 1,
      kind: "ContainerOOM",
      since: "2024-05-07T12:00:00.000Z",
    });
    expect(() => buildQuery({ since: "1d", until: "2d" }, now)).toThrow(/--since .* is after --until/);
  });
});

describe("text output", () => {
  it("cleans untrusted text: no escapes, no line breaks, no bidi overrides", () => {
    expect(clean("a\u001b[31mb\r\nc\u202ed\u0085")).toBe("a?[31mb c?d?");
  });

  it("fits tables into the width by shrinking the flexible column", () => {
    const table = renderTable(["A", "LONG"], [["x", "y".repeat(200)]], { width: 40, flexColumn: 1 });
    expect(table.split("\n").every((l) => l.length <= 40)).toBe(true);
    expect(table).toContain("…");
  });

  it("keeps the incident table within 100 columns", () => {
    const long = makeIncident({ id: "f".repeat(20), firstSeen: "2024-05-01T00:00:00.000Z", namespace: "n".repeat(60), workload: { kind: "Deployment", name: "w".repeat(60) } });
    const lines = formatTable([long, ...history(new Date("2024-05-08T00:00:00Z"))]).split("\n");
    expect(lines).toHaveLength(27); // header + 26
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(100);
    expect(lines[1]).toContain("f".repeat(20)); // ids stay whole: they are what `show` takes
  });

  it("writes CSV with quoting and without spreadsheet formulas", () => {
    expect(csvField('say "hi", ok')).toBe('"say ""hi"", ok"');
    expect(csvField("=HYPERLINK(1)")).toBe("'=HYPERLINK(1)");
    expect(csvField(-3)).toBe("-3");
    expect(csvField("a\u001b[2Jb\tc")).toBe("a?[2Jb?c");
    expect(csvField("\u0000=1")).toBe("?=1");
    expect(csvField(undefined)).toBe("");
    const csv = formatCsv([makeIncident({ id: "x1", firstSeen: "2024-05-01T00:00:00.000Z", diagnosis: { causes: ["a", "b"], summary: "line1\nline2" } })]);
    expect(csv.split("\n")[0]).toBe(
      "id,level,kind,cluster,namespace,workloadKind,workloadName,container,node,occurrences,firstSeen,lastSeen,causes,summary,slackPermalink,partOf",
    );
    expect(csv).toContain('x1,1,ContainerOOM,prod,payments,Deployment,api,server,node-a,1,2024-05-01T00:00:00.000Z,2024-05-01T00:00:00.000Z,a;b,"line1\nline2",');
  });

  it("marks node-OOM victims as part of the node incident (table, csv, show)", () => {
    const victim = makeIncident({ id: "v1", firstSeen: "2024-05-01T00:00:00.000Z", partOf: { incidentId: "n1", kind: "NodeOOM", node: "node-a" } });
    const node = makeIncident({
      id: "n1",
      firstSeen: "2024-05-01T00:00:00.000Z",
      level: 3,
      kind: "NodeOOM",
      namespace: undefined,
      workload: undefined,
      container: undefined,
      victims: [{ namespace: "payments", pod: "api-7d9f-abcde", container: "server", incidentId: "v1" }],
    });
    const [, victimRow, nodeRow] = formatTable([victim, node]).split("\n");
    expect(victimRow).toMatch(/ L1 +oom +1 +↳ part of n1: payments\/api \[server\] +v1$/);
    expect(nodeRow).not.toContain("part of");
    expect(formatCsv([victim]).split("\n")[1]).toMatch(/,n1$/);
    expect(formatIncident(victim, [])).toContain("Part of       NodeOOM incident n1 on node node-a");
    expect(formatIncident(node, [])).toContain("victim        payments/api-7d9f-abcde [server] (incident v1)");
  });

  it("show names the previous incident of the group", () => {
    const i = makeIncident({ id: "c3", firstSeen: "2026-11-29T10:00:00.000Z", previous: { incidentId: "c2", resolvedAt: "2026-11-28T14:02:00.000Z", countLast7Days: 3 } });
    expect(formatIncident(i, [])).toContain("Previous      3rd incident for this container in 7 days (previous: c2, resolved 2026-11-28 14:02 UTC)");
    expect(formatIncident(makeIncident({ id: "c1", firstSeen: "2026-11-29T10:00:00.000Z" }), [])).not.toContain("Previous");
  });

  it("draws bars in eighths", () => {
    expect(bar(0, 10, 10)).toBe("");
    expect(bar(10, 10, 4)).toBe("████");
    expect(bar(5, 10, 3)).toBe("█▌");
    expect(bar(1, 1000, 10)).toBe("▏");
  });

  it("shows the incident for humans with untrusted text cleaned", () => {
    const incident = makeIncident({
        id: "i1",
        firstSeen: "2024-05-01T00:00:00.000Z",
        level: 2,
        lastMessage: "killed\u001b]8;;http://evil\u0007",
        escalationHistory: [{ from: 1, to: 2, reason: "more than 3 OOMs in 1h", at: "2024-05-01T00:30:00.000Z" }],
        slack: { channel: "C1", ts: "1.2", permalink: "https://slack.example/p" },
        occurrences: 33,
      });
    const members = membersOf(incident);
    members[32]!.pod = "evil\u001b[2Jpod";
    const text = formatIncident(incident, members);
    expect(text).toContain("... 3 earlier occurrence(s) not shown");
    expect(text).toContain("2024-05-01 00:03:00 UTC  ContainerOOM  payments/api-3 [server] on node-a");
    expect(text).not.toContain("api-2 [server]");
    expect(text).toContain("payments/evil?[2Jpod [server]");
    expect(text).toContain("Incident i1 · Level 2 (respond within 10 min) · ContainerOOM");
    expect(text).toContain("2024-05-01 00:30:00 UTC  Level 1 → 2: more than 3 OOMs in 1h");
    expect(text).toContain("https://slack.example/p");
    expect(text).not.toContain("\u001b");
  });
});

describe("computeStats", () => {
  const now = new Date("2024-05-08T12:00:00.000Z");
  const incidents = history(now).filter((i) => i.cluster === "prod");
  const stats = computeStats(incidents, { clusters: ["prod"], since: ago(now, 7 * DAY), until: now.toISOString(), top: 3, by: "incidents" });

  it("counts incidents and occurrences by level and kind", () => {
    expect(stats.incidents).toBe(24);
    expect(stats.occurrences).toBe(incidents.reduce((n, i) => n + i.occurrences, 0));
    expect(Object.values(stats.byLevel).reduce((a, b) => a + b)).toBe(24);
    expect(stats.byKind.nodeoom).toBe(incidents.filter((i) => i.kind === "NodeOOM").length);
    expect(stats.byKind).not.toHaveProperty("pressure"); // no such incident: no row
  });

  it("ranks workloads and nodes, keeping same-named workloads apart", () => {
    const count = (name: string) => incidents.filter((i) => i.workload && `${i.namespace}/${i.workload.kind}/${i.workload.name}` === name);
    const all = computeStats(incidents, { clusters: ["prod"], since: ago(now, 7 * DAY), until: now.toISOString(), top: 10, by: "incidents" });
    for (const name of ["payments/Deployment/api", "web/Deployment/api", "web/StatefulSet/cache", "batch/CronJob/report"]) {
      const expected = count(name);
      expect(all.topWorkloads.find((w) => w.name === name)).toEqual({
        name,
        incidents: expected.length,
        occurrences: expected.reduce((n, i) => n + i.occurrences, 0),
      });
    }
    expect(stats.topWorkloads).toEqual(all.topWorkloads.slice(0, 3));
    const incidentsRank = all.topWorkloads.map((w) => w.incidents);
    expect(incidentsRank).toEqual([...incidentsRank].sort((a, b) => b - a));
    expect(all.topNodes.map((n) => n.incidents).reduce((a, b) => a + b)).toBe(24);
    const byOcc = computeStats(incidents, { clusters: ["prod"], since: ago(now, 7 * DAY), until: now.toISOString(), top: 10, by: "occurrences" });
    const occ = byOcc.topWorkloads.map((w) => w.occurrences);
    expect(occ).toEqual([...occ].sort((a, b) => b - a));
  });

  it("counts top-level incidents: a node-OOM victim is part of its node OOM, its occurrences still count", () => {
    const at = "2024-05-08T01:00:00.000Z";
    const node = makeIncident({ id: "n1", firstSeen: at, level: 3, kind: "NodeOOM", namespace: undefined, workload: undefined, container: undefined });
    const victim = makeIncident({ id: "v1", firstSeen: at, occurrences: 2, partOf: { incidentId: "n1", kind: "NodeOOM" } });
    const s = computeStats([node, victim], { clusters: ["prod"], since: ago(now, DAY), until: now.toISOString(), top: 3, by: "incidents" });
    expect(s).toMatchObject({ incidents: 1, partOfOther: 1, occurrences: 3, byLevel: { "3": 1 } });
    expect(s.byKind).toEqual({ nodeoom: 1 });
    expect(s.topWorkloads).toEqual([]); // the victim's workload has no incident of its own
    expect(s.perDay.find((d) => d.day === "2024-05-08")).toEqual({ day: "2024-05-08", incidents: 1, occurrences: 3 });
    expect(formatStats(s)).toContain("1 incidents (+1 part of a node OOM), 3 occurrences");
  });

  it("has one entry per UTC day with incidents", () => {
    expect(stats.perDay.map((d) => d.day)).toEqual([
      "2024-05-01", "2024-05-02", "2024-05-03", "2024-05-04", "2024-05-05", "2024-05-06", "2024-05-07", "2024-05-08",
    ]);
    expect(stats.perDay.reduce((n, d) => n + d.incidents, 0)).toBe(incidents.filter((i) => i.firstSeen >= ago(now, 7 * DAY)).length);
    const text = formatStats(stats);
    expect(text).toContain("Incidents per day (UTC)");
    expect(text).toMatch(/2024-05-08 +\d+ +█/);
  });
});
