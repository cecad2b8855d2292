/**
 * Queries against the DynamoDB emulator with the real SDK: results match the
 * filters, paging is complete, and every read is a Query on the expected index
 * (a client middleware records each command and refuses Scan).
 */
import { DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { Command } from "commander";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { registerIncidentsCommand } from "../../cli/incidents.ts";
import type { Incident } from "../../shared/schema/incident.ts";
import { writeIncident } from "../../shared/storage/incident-writer.ts";
import { getIncident, iterateIncidents, listOccurrences, queryIncidents, type IncidentQuery } from "../../shared/storage/queries.ts";
import { createTestAws, type TestAws } from "../support/aws.ts";
import { DAY, ago, history, makeIncident, membersOf, newestFirst, putIncidents } from "./fixtures.ts";

interface Sent {
  command: string;
  index?: string;
}

/** A document client whose every request is recorded; Scan fails the call (and the test). */
function recordingDoc(aws: TestAws): { doc: DynamoDBDocumentClient; sent: Sent[]; destroy: () => void } {
  const sent: Sent[] = [];
  const client = new DynamoDBClient({
    region: "us-east-1",
    endpoint: aws.endpoints.dynamodb,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 1,
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { IndexName?: string };
      sent.push({ command: String(context.commandName), ...(input.IndexName ? { index: input.IndexName } : {}) });
      if (context.commandName === "ScanCommand") throw new Error("Scan is not allowed: incident queries must use an index");
      return next(args);
    },
    { step: "initialize", name: "recordCommands" },
  );
  return { doc: DynamoDBDocumentClient.from(client), sent, destroy: () => client.destroy() };
}

const now = new Date();
const data = history(now);
const prod = data.filter((i) => i.cluster === "prod");

let aws: TestAws;
let rec: ReturnType<typeof recordingDoc>;
let table: string;

beforeAll(async () => {
  aws = await createTestAws("queries");
  table = aws.tables.incidents;
  await putIncidents(aws.clients.doc, table, data);
  rec = recordingDoc(aws);
});

afterAll(() => rec.destroy());

beforeEach(() => {
  rec.sent.length = 0;
});

async function all(q: IncidentQuery): Promise<Incident[]> {
  const out: Incident[] = [];
  for await (const i of iterateIncidents(rec.doc, table, q)) out.push(i);
  return out;
}

describe("list queries", () => {
  const cases: [string, IncidentQuery, (i: Incident) => boolean, string][] = [
    ["cluster", { cluster: "prod" }, () => true, "byCluster"],
    ["namespace", { cluster: "prod", namespace: "web" }, (i) => i.namespace === "web", "byNamespace"],
    [
      "workload kind/name",
      { cluster: "prod", namespace: "web", workload: { kind: "Deployment", name: "api" } },
      (i) => i.namespace === "web" && i.workload?.kind === "Deployment" && i.workload.name === "api",
      "byWorkload",
    ],
    ["workload name, any namespace", { cluster: "prod", workload: { name: "api" } }, (i) => i.workload?.name === "api", "byCluster"],
    ["node", { cluster: "prod", node: "node-b" }, (i) => i.node === "node-b", "byNode"],
    ["level", { cluster: "prod", level: 2 }, (i) => i.level === 2, "byLevel"],
    ["kind", { cluster: "prod", kind: "NodeOOM" }, (i) => i.kind === "NodeOOM", "byCluster"],
    ["node + level", { cluster: "prod", node: "node-a", level: 1 }, (i) => i.node === "node-a" && i.level === 1, "byNode"],
    [
      "time range",
      { cluster: "prod", since: ago(now, 3 * DAY), until: ago(now, DAY) },
      (i) => i.firstSeen >= ago(now, 3 * DAY) && i.firstSeen <= ago(now, DAY),
      "byCluster",
    ],
  ];

  for (const [name, q, match, index] of cases) {
    it(`by ${name}: exactly the matching incidents, newest first, one Query on ${index}`, async () => {
      const expected = newestFirst(prod.filter(match));
      expect(expected.length).toBeGreaterThan(0);
      expect((await all(q)).map((i) => i.id)).toEqual(expected);
      expect(rec.sent).toEqual([{ command: "QueryCommand", index }]);
    });
  }

  it("never returns another cluster's incidents", async () => {
    expect((await all({ cluster: "staging" })).map((i) => i.id)).toEqual(["stg-00"]);
    expect((await all({ cluster: "nowhere" })).length).toBe(0);
  });

  it("reads what analyze's writer stores (its bookkeeping attributes are not part of the record)", async () => {
    const written = makeIncident({ id: "w-1", cluster: "written", firstSeen: ago(now, DAY), level: 2, node: "node-w" });
    expect(await writeIncident(aws.clients.doc, table, written, { lastNotify: { revision: 1, level: 2, change: "new" } })).toBe(true);
    expect(await all({ cluster: "written", node: "node-w", level: 2 })).toEqual([written]);
    expect(await getIncident(rec.doc, table, "w-1")).toEqual(written);
  });

  it("an `until` bound includes an incident first seen at exactly that instant", async () => {
    const newest = prod[0]!;
    const found = await all({ cluster: "prod", since: newest.firstSeen, until: newest.firstSeen });
    expect(found.map((i) => i.id)).toEqual([newest.id]);
  });
});

describe("paging", () => {
  async function pages(q: IncidentQuery, limit: number): Promise<string[][]> {
    const out: string[][] = [];
    let token: string | undefined;
    do {
      const page = await queryIncidents(rec.doc, table, q, { limit, ...(token ? { nextToken: token } : {}) });
      out.push(page.items.map((i) => i.id));
      token = page.nextToken;
      expect(out.length).toBeLessThan(50);
    } while (token);
    return out;
  }

  it("walks an unfiltered query page by page without gaps or repeats", async () => {
    const got = await pages({ cluster: "prod" }, 5);
    expect(got.slice(0, -1).every((p) => p.length === 5)).toBe(true);
    expect(got.flat()).toEqual(newestFirst(prod));
    expect(rec.sent.every((s) => s.command === "QueryCommand" && s.index === "byCluster")).toBe(true);
  });

  it("fills each page of a filtered query and resumes after the last incident shown", async () => {
    const expected = newestFirst(prod.filter((i) => i.kind === "ContainerOOM" && i.level === 1));
    const got = await pages({ cluster: "prod", kind: "ContainerOOM", level: 1 }, 4);
    expect(got.slice(0, -1).every((p) => p.length === 4)).toBe(true);
    expect(got.flat()).toEqual(expected);
    expect(new Set(rec.sent.map((s) => `${s.command}:${s.index}`))).toEqual(new Set(["QueryCommand:byLevel"]));
  });

  it("gives no token when the last page is exactly full and nothing follows", async () => {
    const n = prod.filter((i) => i.kind === "NodeOOM").length;
    const page = await queryIncidents(rec.doc, table, { cluster: "prod", kind: "NodeOOM" }, { limit: n });
    expect(page.items).toHaveLength(n);
    expect(page.nextToken).toBeUndefined();
  });

  it("refuses a token from a query on another index", async () => {
    const first = await queryIncidents(rec.doc, table, { cluster: "prod" }, { limit: 2 });
    await expect(queryIncidents(rec.doc, table, { cluster: "prod", node: "node-a" }, { limit: 2, nextToken: first.nextToken! })).rejects.toThrow(
      /another query/,
    );
  });
});

describe("show", () => {
  it("reads one incident with GetItem, and undefined for an unknown id", async () => {
    const wanted = prod[3]!;
    expect(await getIncident(rec.doc, table, wanted.id)).toEqual(wanted);
    expect(await getIncident(rec.doc, table, "no-such-id")).toBeUndefined();
    expect(rec.sent.map((s) => s.command)).toEqual(["GetItemCommand", "GetItemCommand"]);
  });

  it("lists the incident's occurrences oldest first with a Query on its partition", async () => {
    const wanted = prod[3]!;
    expect(wanted.occurrences).toBeGreaterThan(1);
    expect(await listOccurrences(rec.doc, table, wanted.id)).toEqual(membersOf(wanted));
    expect(await listOccurrences(rec.doc, table, "no-such-id")).toEqual([]);
    expect(rec.sent).toEqual([{ command: "QueryCommand" }, { command: "QueryCommand" }]);
  });
});

describe("the CLI commands only Query (in-process, recording client)", () => {
  async function run(...args: string[]): Promise<{ out: string; err: string; code: number }> {
    const out: string[] = [];
    const err: string[] = [];
    let code = 0;
    const program = new Command().exitOverride();
    registerIncidentsCommand(program, {
      env: {},
      now: () => now,
      stdout: (t) => out.push(t),
      stderr: (t) => err.push(t),
      setExitCode: (c) => {
        code = c;
      },
      openStore: async () => ({ doc: rec.doc, table, backend: "aws", describe: `table ${table}`, close: async () => {} }),
    });
    await program.parseAsync(["node", "oomwatch", "incidents", ...args]);
    return { out: out.join("\n"), err: err.join("\n"), code };
  }

  it("list, show and stats with every filter send Query/GetItem only, on the chosen index", async () => {
    const list = await run("list", "--cluster", "prod", "--namespace", "web", "--workload", "deployment/api", "--format", "json");
    expect(list.code).toBe(0);
    expect((JSON.parse(list.out) as Incident[]).map((i) => i.id)).toEqual(
      newestFirst(prod.filter((i) => i.namespace === "web" && i.workload?.name === "api")),
    );
    await run("list", "--cluster", "prod", "--node", "node-c", "--level", "1", "--kind", "containeroom", "--since", "5d", "--until", "1h");
    await run("list", "--cluster", "prod", "--level", "3", "--format", "csv");
    const show = await run("show", prod[0]!.id);
    expect(show.out).toContain(`Incident ${prod[0]!.id}`);
    expect(show.out).toContain(`${membersOf(prod[0]!)[0]!.pod} [server] on node-a`);
    const stats = await run("stats", "--cluster", "prod", "--since", "7d", "--format", "json");
    expect(JSON.parse(stats.out)).toMatchObject({ clusters: ["prod"], incidents: prod.filter((i) => i.firstSeen >= ago(now, 7 * DAY)).length });
    expect(rec.sent).toEqual([
      { command: "QueryCommand", index: "byWorkload" },
      { command: "QueryCommand", index: "byNode" },
      { command: "QueryCommand", index: "byLevel" },
      { command: "GetItemCommand" },
      { command: "QueryCommand" }, // the incident's occurrences, on its own partition
      { command: "QueryCommand", index: "byCluster" },
    ]);
  });

  it("prints the next token on stderr and accepts it back", async () => {
    const first = await run("list", "--cluster", "prod", "--limit", "2", "--format", "json");
    const token = /--next-token (\S+)/.exec(first.err)?.[1];
    expect(token).toBeDefined();
    const second = await run("list", "--cluster", "prod", "--limit", "2", "--format", "json", "--next-token", token!);
    const ids = [...JSON.parse(first.out), ...JSON.parse(second.out)].map((i: Incident) => i.id);
    expect(ids).toEqual(newestFirst(prod).slice(0, 4));
  });

  it("reports bad input in one line with exit code 1, before touching the table", async () => {
    for (const args of [["list", "--level", "4"], ["list", "--since", "3x"], ["list", "--format", "xml"], ["stats", "--by", "pods"]]) {
      const r = await run(...args);
      expect(r.code).toBe(1);
      expect(r.err.split("\n")).toHaveLength(1);
      expect(r.err).toMatch(/^error: (unknown|malformed) /);
    }
    const missing = await run("show", "no-such-id");
    expect(missing).toMatchObject({ code: 1, out: "" });
    expect(missing.err).toBe(`error: no incident "no-such-id" in table ${table} (cluster default)`);
    // not an id: looked up as a prefix in the cluster's index, never a Scan
    expect(rec.sent).toEqual([{ command: "GetItemCommand" }, { command: "QueryCommand", index: "byCluster" }]);
  });

  it("the recorder does catch a Scan (so the checks above can fail)", async () => {
    await expect(rec.doc.send(new ScanCommand({ TableName: table }))).rejects.toThrow(/Scan is not allowed/);
    expect(rec.sent).toEqual([{ command: "ScanCommand" }]);
  });
});
