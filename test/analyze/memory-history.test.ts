import { describe, expect, it } from "vitest";
import { groupOf, incidentIdFor } from "../../shared/domain/grouping.ts";
import type { Occurrence } from "../../shared/schema/occurrence.ts";
import { createTestAws } from "../support/aws.ts";
import { at, containerOom, Gi, memoryWarning } from "../domain/fixtures.ts";
import { pipeline } from "./pipeline.ts";

const idOf = (o: Occurrence) => incidentIdFor(groupOf(o).key, o.key);
const epoch = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/** `n` samples every 30 s ending at `end`, `percentAt(i)` % of 1Gi. */
function samples(end: string, n: number, percentAt: (i: number) => number): [number, number][] {
  return Array.from({ length: n }, (_, i) => [epoch(end) - (n - 1 - i) * 30, Math.round((percentAt(i) / 100) * Gi)]);
}
const leak = (end: string, n = 40) => samples(end, n, (i) => 40 + (60 * i) / (n - 1));
const withTrace = (o: Occurrence, s: [number, number][]): Occurrence => ({ ...o, memoryTrace: { source: "metrics-server", stepSeconds: 30, samples: s } });

describe("analyze: memory history and Level 0 early warnings", () => {
  it("a warning is a Level 0 incident of its own group; a critical repeat updates it, keeping the first firingSince and the newest trace", async () => {
    const aws = await createTestAws("analyze-level0");
    const p = pipeline(aws);
    const first = memoryWarning({ at: at(-10), firingSince: at(-15), samples: samples(at(-10), 12, () => 88) });
    const critical = memoryWarning({ at: at(-5), firingSince: at(-7), severity: "critical", samples: samples(at(-5), 14, () => 96) });
    const notes = await p.run([first, critical]);
    expect(notes.map((n) => [n.change, n.revision, n.incident.level])).toEqual([
      ["new", 1, 0],
      ["repeat", 2, 0],
    ]);
    const inc = (await p.incident(idOf(first)))!;
    expect(inc).toMatchObject({ level: 0, kind: "MemoryNearLimit", namespace: "shop", container: "api", workload: { kind: "Deployment", name: "checkout" }, occurrences: 2 });
    expect(inc.escalation).toEqual({ reasons: [] });
    expect(inc.warnedAt).toBe(at(-15));
    expect(inc.memoryTrace?.samples).toHaveLength(14);
    expect(inc.memoryTrace?.limitBytes).toBe(Gi);
    expect(inc.groupKey).toBe("warn|prod-eu|shop|Deployment/checkout|api");
    expect((await p.rawIncident(inc.id))!.levelKey).toBe("LEVEL#prod-eu#0");
  });

  it("a container that warned then OOMs: Level 1 with warnedAt, MEMORY_LEAK, the trace and the leak advice", async () => {
    const aws = await createTestAws("analyze-warned-oom");
    const p = pipeline(aws);
    const warning = memoryWarning({ at: at(-8), firingSince: at(-12), samples: leak(at(-8), 20) });
    const oom = withTrace(containerOom({ finishedAt: at(0) }), leak(at(0)));
    await p.run([warning, oom]);
    const inc = (await p.incident(idOf(oom)))!;
    expect(inc.level).toBe(1);
    expect(inc.warnedAt).toBe(at(-12));
    expect(inc.diagnosis.causes[0]).toBe("MEMORY_LEAK");
    expect(inc.diagnosis.summary).toMatch(/working set grew steadily/);
    expect(inc.memoryTrace?.samples).toHaveLength(40);
    expect(inc.recommendation?.summary).toMatch(/a higher limit only delays the next kill/);
    expect(inc.recommendation?.basis[0]).toMatch(/^peak 1Gi of 40 samples over 20 min/);
  });

  it("a warning older than the group window is not linked; a spike shows SUDDEN_SPIKE", async () => {
    const aws = await createTestAws("analyze-spike");
    const p = pipeline(aws);
    const old = memoryWarning({ at: at(-120), firingSince: at(-125) });
    const spike = withTrace(containerOom({ finishedAt: at(0) }), samples(at(0), 30, (i) => (i < 29 ? 35 : 40)));
    await p.run([old, spike]);
    const inc = (await p.incident(idOf(spike)))!;
    expect(inc.warnedAt).toBeUndefined();
    expect(inc.diagnosis.causes).toContain("SUDDEN_SPIKE");
    expect(inc.diagnosis.causes).not.toContain("MEMORY_LEAK");
  });

  it("a short trace gives no shape cause and the summary says why", async () => {
    const aws = await createTestAws("analyze-short-trace");
    const p = pipeline(aws);
    const oom = withTrace(containerOom({ finishedAt: at(0) }), leak(at(0), 5));
    await p.run([oom]);
    const inc = (await p.incident(idOf(oom)))!;
    expect(inc.diagnosis.causes.filter((c) => ["MEMORY_LEAK", "SUDDEN_SPIKE", "STEADY_NEAR_LIMIT"].includes(c))).toEqual([]);
    expect(inc.diagnosis.summary).toMatch(/memory trace: too few samples: 5 < 10/);
    expect(inc.memoryTrace?.samples).toHaveLength(5);
  });
});
