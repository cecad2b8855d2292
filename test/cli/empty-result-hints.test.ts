/**
 * After an empty list/stats the CLI suggests what might find something, and never an
 * option the user already passed. AWS backend (the emulator through --endpoint), where
 * the cluster defaults to "default" and --cluster is worth suggesting.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createTestAws, type TestAws } from "../support/aws.ts";
import { HOUR, ago, makeIncident, putIncidents } from "../queries/fixtures.ts";
import { incidents } from "./harness.ts";

const now = new Date();
let aws: TestAws;
const run = (env: NodeJS.ProcessEnv, ...args: string[]) =>
  incidents(env, now, ...args, "--endpoint", aws.endpoints.dynamodb, "--table", aws.tables.incidents, "--region", "us-east-1");

beforeAll(async () => {
  aws = await createTestAws("cli-hints");
  await putIncidents(aws.clients.doc, aws.tables.incidents, [makeIncident({ id: "old-1", cluster: "prod", firstSeen: ago(now, 20 * 24 * HOUR) })]);
});

describe("hints after an empty result", () => {
  it("suggests --cluster when no cluster was chosen, and --since where a default bound applied", async () => {
    const list = await run({}, "list");
    expect(list).toMatchObject({ code: 0, out: "no incidents" });
    expect(list.err).toBe('note: no incidents in cluster default; try --cluster NAME (env OOMWATCH_CLUSTER)');
    const stats = await run({}, "stats");
    expect(stats.err).toBe("note: no incidents in cluster default; try --cluster NAME (env OOMWATCH_CLUSTER), or --since 30d for older ones");
  });

  it("does not suggest an option that was passed", async () => {
    const stats = await run({}, "stats", "--cluster", "prod");
    expect(stats.err).toBe("note: no incidents in cluster prod; try --since 30d for older ones");
    expect((await run({}, "list", "--cluster", "prod", "--since", "7d")).err).toBe("");
    expect((await run({}, "stats", "--cluster", "prod", "--since", "7d")).err).toBe("");
    // the --since hint does find it
    expect(JSON.parse((await run({}, "stats", "--cluster", "prod", "--since", "30d", "--format", "json")).out)).toMatchObject({ incidents: 1 });
  });

  it("a missing data dir suggests --data-dir only when none was passed", async () => {
    const passed = await incidents({}, now, "list", "--data-dir", "/nonexistent/oomwatch-data");
    expect(passed.err).toBe("error: no local data in /nonexistent/oomwatch-data (run `oomwatch sandbox` first, or --table/--region for AWS)");
  });

  it("counts OOMWATCH_CLUSTER as a choice of cluster", async () => {
    expect((await run({ OOMWATCH_CLUSTER: "prod" }, "list", "--since", "1d")).err).toBe("");
    expect((await run({ OOMWATCH_CLUSTER: "staging" }, "stats")).err).toBe("note: no incidents in cluster staging; try --since 30d for older ones");
  });
});
