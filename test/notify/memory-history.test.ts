/**
 * notify for memory history: the Level 0 heads-up (one message, edited in place, level0 event, no
 * ops copy), the sparkline and warning lead time on the OOM message, and the PNG chart uploaded into
 * the thread through the real @slack/web-api files.uploadV2 against the Slack sink.
 */
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SinkMessage } from "../../sandbox/slack-sink.ts";
import { SINK_SCOPES as DEFAULT_SCOPES } from "../../sandbox/slack-sink.ts";
import type { Incident } from "../../shared/schema/incident.ts";
import { INCIDENT_SK, incidentPk } from "../../shared/storage/incident-item.ts";
import { containerOom, notifyRequest } from "./fixtures.ts";
import { type Bench, incidentIdOf, startBench } from "./harness.ts";

const Gi = 2 ** 30;
let bench: Bench;
beforeAll(async () => {
  bench = await startBench();
});
afterAll(() => bench.stop());

let seq = 0;
const freshId = () => `mem-${++seq}-${Date.now()}`;
const forIncident = (b: Bench, id: string): SinkMessage[] => b.slackSink.messages().filter((m) => incidentIdOf(m) === id);
type Block = { text?: { text: string }; elements?: Array<{ text?: string }> };
const allText = (m: SinkMessage) => ((m.blocks ?? []) as Block[]).flatMap((b) => [b.text?.text ?? "", ...(b.elements ?? []).map((e) => e.text ?? "")]).join("\n");

/** A steady climb from 60 % to 90 % of 1Gi over 15 min, newest at `end`. */
function climbing(end: string, n = 31) {
  const last = Math.floor(Date.parse(end) / 1000);
  return {
    source: "metrics-server" as const,
    stepSeconds: 30,
    limitBytes: Gi,
    requestBytes: Gi / 2,
    samples: Array.from({ length: n }, (_, i) => [last - (n - 1 - i) * 30, Math.round((0.6 + (0.3 * i) / (n - 1)) * Gi)] as [number, number]),
  };
}

function warning(over: Record<string, unknown> = {}): Incident {
  return containerOom({
    id: freshId(),
    level: 0,
    kind: "MemoryNearLimit",
    groupKey: "warn|prod-eu|payments|Deployment/checkout|api",
    diagnosis: { causes: ["MEMORY_LEAK"], summary: "container api is close to its memory limit" },
    memoryTrace: climbing("2026-03-01T02:59:00Z"),
    warnedAt: "2026-03-01T02:55:00Z",
    ...over,
  });
}

describe("Level 0 heads-up", () => {
  it("is one concise message to the owner channel with %, trend, time to the limit and a sparkline; repeats edit it in place", async () => {
    const w = warning();
    await bench.store(w);
    expect(await bench.run([notifyRequest(w, "new", 1)])).toEqual([]);
    const [parent, ...others] = forIncident(bench, w.id);
    expect(others).toEqual([]);
    expect(parent!.channelName).toBe("payments-oncall");
    const text = allText(parent!);
    expect(text).toMatch(/Heads-up \(Level 0, no page\)/);
    expect(text).toMatch(/working set 922Mi = 90% of the 1Gi limit, \+20Mi\/min, limit in 5 min at this rate/);
    expect(text).toMatch(/[▁▂▃▄▅▆▇█]{10,} 60% → 90% in 15 min/);
    expect(text).toMatch(/memory leak: the working set kept growing/);
    expect(text).not.toMatch(/Respond within/);
    const events = bench.events.events().filter((e) => (e.detail as { incidentId?: string }).incidentId === w.id);
    expect(events.map((e) => e["detail-type"])).toEqual(["oomwatch.incident.level0"]);
    expect((events[0]!.detail as { responseMinutes?: number }).responseMinutes).toBeUndefined();

    // Two more warnings (revisions 2 and 3 are thread milestones for paging levels): still one message, edited.
    const later = { ...w, occurrences: 3, lastSeen: "2026-03-01T03:04:00Z", memoryTrace: climbing("2026-03-01T03:04:00Z") };
    expect(await bench.run([notifyRequest({ ...w, occurrences: 2 }, "repeat", 2)])).toEqual([]);
    expect(await bench.run([notifyRequest(later, "repeat", 3)])).toEqual([]);
    const after = forIncident(bench, w.id);
    expect(after).toHaveLength(1);
    expect(after[0]!.edits).toHaveLength(2);
    expect(allText(after[0]!)).toMatch(/\*Warnings:\* 3/);
    expect(bench.slackSink.files().filter((f) => f.thread_ts === after[0]!.ts)).toEqual([]);
    expect(bench.slackSink.messages().filter((m) => m.channelName === "ops" && incidentIdOf(m) === w.id)).toEqual([]);
  });
});

describe("OOM message and chart", () => {
  it("shows the sparkline and the warning lead time, and uploads the chart into the thread once per revision", async () => {
    const oom = containerOom({ id: freshId(), memoryTrace: climbing("2026-03-01T02:59:00Z"), warnedAt: "2026-03-01T02:47:00Z" });
    await bench.store(oom);
    const req = notifyRequest(oom, "new", 1);
    expect(await bench.run([req])).toEqual([]);
    const [parent] = forIncident(bench, oom.id);
    const text = allText(parent!);
    expect(text).toMatch(/[▁▂▃▄▅▆▇█]+ 60% → 90% in 15 min/);
    expect(text).toMatch(/Warned 12 min before the kill/);

    const charts = bench.slackSink.files().filter((f) => f.thread_ts === parent!.ts);
    expect(charts).toHaveLength(1);
    const png = charts[0]!.bytes!;
    expect(png.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([800, 300]);
    expect(charts[0]!.channel).toBe(parent!.channel);

    // The same request again (an SQS retry) does not upload twice: the revision is recorded.
    expect(await bench.run([req])).toEqual([]);
    expect(bench.slackSink.files().filter((f) => f.thread_ts === parent!.ts)).toHaveLength(1);
    const { Item } = await bench.aws.clients.doc.send(
      new GetCommand({ TableName: bench.aws.tables.incidents, Key: { pk: incidentPk(oom.id), sk: INCIDENT_SK }, ConsistentRead: true }),
    );
    expect(Item?.slack.chartRevision).toBe(1);
  });

  it("without files:write (missing_scope) skips the chart with one log line and does not fail the record", async () => {
    const warnings: string[] = [];
    const noFiles = await startBench({ scopes: DEFAULT_SCOPES.filter((s) => s !== "files:write") });
    try {
      const oom = containerOom({ id: freshId(), memoryTrace: climbing("2026-03-01T02:59:00Z") });
      await noFiles.store(oom);
      const logger = noFiles.deps.logger!;
      const warn = logger.warn.bind(logger);
      logger.warn = ((message: string, ...rest: unknown[]) => {
        warnings.push(message);
        return warn(message, ...(rest as []));
      }) as typeof logger.warn;
      expect(await noFiles.run([notifyRequest(oom, "new", 1)])).toEqual([]);
      expect(forIncident(noFiles, oom.id).filter((m) => !m.thread_ts)).toHaveLength(1);
      expect(noFiles.slackSink.files()).toEqual([]);
      expect(warnings.filter((w) => /files:write/.test(w))).toHaveLength(1);
      expect(noFiles.metricNames).toContain("ChartSkipped");
    } finally {
      await noFiles.stop();
    }
  });
});
