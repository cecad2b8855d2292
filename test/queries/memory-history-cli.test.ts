/**
 * `oomwatch incidents` for memory history, as a subprocess against the AWS backend (--endpoint):
 * `list --level 0` finds early warnings, `--format json` returns the trace, `show` prints the
 * sparkline and when the container was warned, `--chart FILE` writes the PNG.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Incident } from "../../shared/schema/incident.ts";
import { createTestAws, type TestAws } from "../support/aws.ts";
import { ago, HOUR, makeIncident, putIncidents } from "./fixtures.ts";

const BIN = join(import.meta.dirname, "../../bin/oomwatch.js");
const Gi = 2 ** 30;

function oomwatch(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { INCIDENTS_TABLE: _t, OOMWATCH_CLUSTER: _c, ...env } = process.env;
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, "incidents", ...args], { env, timeout: 30_000, encoding: "utf8" }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const now = new Date();
const killAt = ago(now, HOUR);
const trace = (end: string) => {
  const last = Math.floor(Date.parse(end) / 1000);
  return {
    source: "metrics-server" as const,
    stepSeconds: 30,
    limitBytes: Gi,
    samples: Array.from({ length: 21 }, (_, i) => [last - (20 - i) * 30, Math.round((0.5 + i * 0.025) * Gi)] as [number, number]),
  };
};
const warning = makeIncident({
  id: "warn-1",
  level: 0,
  kind: "MemoryNearLimit",
  firstSeen: ago(now, HOUR + 20 * 60_000),
  lastSeen: ago(now, HOUR + 5 * 60_000),
  groupKey: "warn|prod|payments|Deployment/api|server",
  warnedAt: ago(now, HOUR + 25 * 60_000),
  memoryTrace: trace(ago(now, HOUR + 5 * 60_000)),
});
const oom = makeIncident({ id: "oom-1", firstSeen: killAt, warnedAt: warning.warnedAt, memoryTrace: trace(killAt) });
const plain = makeIncident({ id: "oom-2", firstSeen: ago(now, 2 * HOUR) });

let aws: TestAws;
let dir: string;
const store = () => ["--endpoint", aws.endpoints.dynamodb, "--table", aws.tables.incidents, "--region", "us-east-1"];
const backend = () => [...store(), "--cluster", "prod"];

beforeAll(async () => {
  aws = await createTestAws("qcli-memory");
  dir = await mkdtemp(join(tmpdir(), "oomwatch-chart-"));
  await putIncidents(aws.clients.doc, aws.tables.incidents, [warning, oom, plain]);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("oomwatch incidents: memory history", () => {
  it("list --level 0 returns the early warnings only, with their trace in json", async () => {
    const r = await oomwatch("list", ...backend(), "--since", "7d", "--level", "0", "--format", "json");
    expect(r).toMatchObject({ code: 0, stderr: "" });
    const got = JSON.parse(r.stdout) as Incident[];
    expect(got.map((i) => i.id)).toEqual(["warn-1"]);
    expect(got[0]!.memoryTrace).toEqual(warning.memoryTrace);
  });

  it("list --format json returns memoryTrace and warnedAt of the OOM incident", async () => {
    const r = await oomwatch("list", ...backend(), "--since", "7d", "--level", "1", "--format", "json");
    const got = JSON.parse(r.stdout) as Incident[];
    const found = got.find((i) => i.id === "oom-1")!;
    expect(found.memoryTrace?.samples).toHaveLength(21);
    expect(found.warnedAt).toBe(warning.warnedAt);
  });

  it("show prints the sparkline and how long before the kill it was warned; --chart writes the PNG", async () => {
    const file = join(dir, "oom-1.png");
    const r = await oomwatch("show", "oom-1", ...store(), "--chart", file);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Trace\s+[▁▂▃▄▅▆▇█]{10,} 50% → 100% in 10 min/);
    expect(r.stdout).toMatch(/Samples\s+21 every 30 s \(metrics-server\), limit 1Gi/);
    expect(r.stdout).toMatch(/Warned at\s+.*\(25 min before the kill\)/);
    expect(r.stderr).toBe(`chart: ${file}\n`);
    const png = await readFile(file);
    expect(png.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([800, 300]);
  });

  it("--chart on an incident without a trace exits 1 with one line", async () => {
    const r = await oomwatch("show", "oom-2", ...store(), "--chart", join(dir, "none.png"));
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/no memory trace/);
  });
});
