/** Recordings: `kubectl ... -w -o json --output-watch-events` output and JSON Lines, parsed and replayed. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreV1Api, makeInformer, type V1Pod } from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as f from "../../sandbox/k8s-sim/factories.ts";
import { eventTime, loadRecording, parseRecording, replayRecording, replaySchedule } from "../../sandbox/k8s-sim/recording.ts";
import { startK8sSimulator, type K8sSimulator } from "../../sandbox/k8s-sim/server.ts";
import { waitFor } from "../support/wait.ts";

const app = f.deployment("shop", "web", { containers: [{ name: "app", limits: { memory: "256Mi" } }] });
const pod = app.pod(0, { nodeName: "node-a", at: "2024-11-04T10:00:00Z" });
const oom = f.podOomKilled(pod, "app", { finishedAt: "2024-11-04T10:00:02Z" });
const node = f.node("node-a", { at: "2024-11-04T09:00:00Z" });
const sysOOM = f.systemOOMEvent("node-a", { process: "java", pid: 4242, at: "2024-11-04T10:00:03Z" });

/** kubectl prints each watch event as indented JSON, one after the other. */
const kubectlOutput = [
  { type: "ADDED", object: node },
  { type: "ADDED", object: pod },
  { type: "MODIFIED", object: oom },
  { type: "ADDED", object: sysOOM },
  { type: "DELETED", object: oom },
]
  .map((e) => JSON.stringify(e, null, 4))
  .join("\n");

describe("parsing", () => {
  it("reads concatenated pretty-printed watch events with their positions", () => {
    const events = parseRecording(kubectlOutput, "rec.json");
    expect(events.map((e) => `${e.type} ${e.object.kind}`)).toEqual(["ADDED Node", "ADDED Pod", "MODIFIED Pod", "ADDED Event", "DELETED Pod"]);
    expect(events[0]).toMatchObject({ line: 1, column: 1 });
    expect(events[1]?.line).toBeGreaterThan(10);
    expect(eventTime(events[2] as (typeof events)[number])).toBe(Date.parse("2024-11-04T10:00:02Z"));
  });

  it("reads JSON Lines, plain objects (ADDED) and Lists", () => {
    const jsonl = [JSON.stringify({ type: "ADDED", object: pod }), JSON.stringify(node), JSON.stringify({ kind: "PodList", apiVersion: "v1", items: [{ metadata: { name: "x", namespace: "a" } }] })].join("\n");
    const events = parseRecording(jsonl, "rec.jsonl");
    expect(events.map((e) => [e.type, e.object.kind, e.line])).toEqual([
      ["ADDED", "Pod", 1],
      ["ADDED", "Node", 2],
      ["ADDED", "Pod", 3],
    ]);
  });

  it("names file, line and column of broken input", () => {
    expect(() => parseRecording('{"type": "ADDED", "object": {"kind": "Pod", "metadata": {"name": "a"}}}\n{"type": "ADDED", "object": {"kind": "Pod", "metadata": {"name": "b"}},}\n', "bad.json")).toThrow(
      /^bad\.json:2:\d+: invalid JSON/,
    );
    expect(() => parseRecording('{"type":"ADDED","object":{"kind":"Pod","metadata":{"name":"a"}}}\n\n  {"type": "ADDED", "object": {', "cut.json")).toThrow(
      "cut.json:3:3: unterminated JSON value (the file ends inside it)",
    );
    expect(() => parseRecording('{"type":"UPSERTED","object":{"kind":"Pod","metadata":{"name":"a"}}}', "t.json")).toThrow('t.json:1:1: unknown watch event type "UPSERTED"');
    expect(() => parseRecording('\n{"type":"ADDED","object":{"kind":"Pod","metadata":{}}}', "n.json")).toThrow("n.json:2:1: Pod has no metadata.name");
    expect(() => parseRecording("garbage", "g.json")).toThrow('g.json:1:1: expected a JSON object, found "garbage"');
  });

  it("loads from a file", () => {
    const dir = mkdtempSync(join(tmpdir(), "rec-"));
    writeFileSync(join(dir, "r.json"), kubectlOutput);
    expect(loadRecording(join(dir, "r.json"))).toHaveLength(5);
    expect(() => loadRecording(join(dir, "missing.json"))).toThrow(/missing\.json: no such file/);
  });
});

describe("replay", () => {
  let sim: K8sSimulator;
  beforeEach(async () => {
    sim = await startK8sSimulator();
  });
  afterEach(async () => {
    await sim.stop();
  });

  it("applies the recorded changes so a watching client sees them, all shifted by one constant to now", async () => {
    const kc = sim.kubeConfig();
    const core = kc.makeApiClient(CoreV1Api);
    const seen: string[] = [];
    const informer = makeInformer<V1Pod>(kc, "/api/v1/pods", () => core.listPodForAllNamespaces());
    informer.on("add", (p) => seen.push(`add ${p.status?.containerStatuses?.[0]?.restartCount}`));
    informer.on("update", (p) => seen.push(`update ${p.status?.containerStatuses?.[0]?.lastState?.terminated?.finishedAt}`));
    informer.on("delete", () => seen.push("delete"));
    await informer.start();
    const before = Date.now();
    const result = await replayRecording(sim, parseRecording(kubectlOutput, "rec.json"), { speed: 100 });
    expect(result).toEqual({ applied: 4, deleted: 1, skipped: {} });
    await waitFor("three informer callbacks", () => seen.length >= 3);
    await informer.stop();
    expect(seen[0]).toBe("add 0");
    expect(seen[2]).toBe("delete");
    const finishedAt = Date.parse(seen[1]?.replace("update ", "") ?? "");
    const events = sim.list<typeof sysOOM>("Event");
    expect(events).toHaveLength(1);
    const systemOomAt = Date.parse(events[0]?.lastTimestamp ?? "");
    // The recording's latest timestamp (the SystemOOM) lands when the replay applies it...
    expect(systemOomAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(systemOomAt).toBeLessThanOrEqual(Date.now());
    // ...and the OOM keeps its recorded distance to it (one second), however fast the replay ran.
    expect(systemOomAt - finishedAt).toBe(1000);
  });

  it("keeps the recording's time structure: an OOM 7 minutes before a node OOM stays 7 minutes before it", async () => {
    const early = f.podOomKilled(pod, "app", { finishedAt: "2024-11-04T10:00:00Z" });
    const later = f.systemOOMEvent("node-a", { process: "java", pid: 4343, at: "2024-11-04T10:07:00Z" });
    const events = parseRecording([early, later].map((o) => JSON.stringify({ type: "ADDED", object: o })).join("\n"), "r.jsonl");
    // Pacing is compressed (the 7-minute gap is capped at 5 s, then sped up 100 times); timestamps are not.
    const schedule = replaySchedule(events, { speed: 100 });
    expect(schedule.offsetsMs).toEqual([0, 50]);
    expect(schedule.compressedMs).toBe(7 * 60_000 - 50);
    const before = Date.now();
    await replayRecording(sim, events, { speed: 100 });
    const stored = sim.get<typeof early>("Pod", "shop", pod.metadata?.name ?? "");
    const oomAt = Date.parse(stored?.status?.containerStatuses?.[0]?.lastState?.terminated?.finishedAt ?? "");
    const nodeOomAt = Date.parse(sim.list<typeof later>("Event")[0]?.lastTimestamp ?? "");
    expect(nodeOomAt - oomAt).toBe(7 * 60_000);
    expect(nodeOomAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(nodeOomAt).toBeLessThanOrEqual(Date.now());
  });

  it("skips kinds the simulator does not serve and keeps timestamps with retime off", async () => {
    const cm = { kind: "Secret", apiVersion: "v1", metadata: { name: "s", namespace: "a" } };
    const result = await replayRecording(sim, parseRecording(`${JSON.stringify(cm)}\n${JSON.stringify(sysOOM)}`, "x.jsonl"), { speed: 1000, retime: false });
    expect(result.skipped).toEqual({ Secret: 1 });
    const stored = sim.list<typeof sysOOM>("Event");
    expect(stored[0]?.lastTimestamp).toBe("2024-11-04T10:00:03Z");
  });
});
