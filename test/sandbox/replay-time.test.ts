/**
 * `oomwatch sandbox --replay` keeps a recording's time structure, so correlation gives
 * what it would have given live: a container OOM 7 minutes before a node OOM on the same
 * node is its own incident, not the node OOM's victim; one 30 seconds before it is a victim.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import * as f from "../../sandbox/k8s-sim/factories.ts";
import { SandboxReportSchema } from "../../sandbox/report.ts";
import { runSandbox } from "../../sandbox/run.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A recording of one Deployment pod OOM-killed `secondsBefore` a SystemOOM on its node. */
function recording(secondsBefore: number): string {
  const nodeOomAt = Date.parse("2025-06-02T10:10:00Z");
  const oomAt = new Date(nodeOomAt - secondsBefore * 1000).toISOString().replace(".000", "");
  const app = f.deployment("shop", "web", { containers: [{ name: "app", limits: { memory: "256Mi" } }], at: "2025-06-02T09:00:00Z" });
  const pod = app.pod(0, { nodeName: "node-a", at: "2025-06-02T09:00:00Z" });
  return [
    f.node("node-a", { at: "2025-06-02T09:00:00Z" }),
    pod,
    f.podOomKilled(pod, "app", { finishedAt: oomAt }),
    f.systemOOMEvent("node-a", { process: "app", pid: 4242, at: new Date(nodeOomAt).toISOString().replace(".000", "") }),
  ]
    .map((object) => JSON.stringify({ type: "ADDED", object }))
    .join("\n");
}

async function replay(secondsBefore: number) {
  const dir = mkdtempSync(join(tmpdir(), "oomwatch-replay-time-"));
  dirs.push(dir);
  const file = join(dir, "recording.jsonl");
  writeFileSync(file, recording(secondsBefore));
  const reportPath = join(dir, "report.json");
  const result = await runSandbox(
    { replay: file, dataDir: join(dir, "data"), untilIdle: true, report: reportPath, speed: 8 },
    { out: { write: () => {}, isTTY: false }, interrupted: new Promise(() => {}) },
  );
  return { result, report: SandboxReportSchema.parse(JSON.parse(readFileSync(reportPath, "utf8"))) };
}

describe("replay keeps the recording's time structure", { timeout: 240_000 }, () => {
  it("an OOM 7 minutes before a node OOM is not its victim", async () => {
    const { result, report } = await replay(7 * 60);
    expect(report.observedByKind).toMatchObject({ ContainerOOM: 1, NodeOOM: 1 });
    // Node-OOM victims count as part of their node OOM: a separate Level 1 incident means no victim.
    expect(report.incidents).toEqual({ "0": 0, "1": 1, "2": 0, "3": 1 });
    expect(result.exitCode).toBe(0);
  });

  it("an OOM 30 seconds before a node OOM is its victim", async () => {
    const { report } = await replay(30);
    expect(report.observedByKind).toMatchObject({ ContainerOOM: 1, NodeOOM: 1 });
    expect(report.incidents).toEqual({ "0": 0, "1": 0, "2": 0, "3": 1 });
  });
});
