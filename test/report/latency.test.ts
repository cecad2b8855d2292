/** The sandbox report's latency: to each occurrence's last action, split by opening and repeat occurrences. */
import { describe, expect, it } from "vitest";
import { latencySummary, occurrenceLatency } from "../../sandbox/report.ts";

const notified = new Map<string, number[]>([["inc-a", [1_500, 9_000]]]);

describe("occurrenceLatency", () => {
  it("ends at ingest's decision when it requested no analysis, not at the incident's next notification", () => {
    expect(occurrenceLatency({ observedAt: 1_000, incidentId: "inc-a", doneAt: 1_040 }, notified)).toBe(40);
  });

  it("ends at the first notify record handled after the occurrence's own analysis", () => {
    expect(occurrenceLatency({ observedAt: 1_000, incidentId: "inc-a", analyzedAt: 1_200 }, notified)).toBe(500);
    // Analysed after the first notification: the next one is the one it led to.
    expect(occurrenceLatency({ observedAt: 1_000, incidentId: "inc-a", analyzedAt: 2_000 }, notified)).toBe(8_000);
  });

  it("has no value while nothing has acted on the occurrence", () => {
    expect(occurrenceLatency({ observedAt: 10_000, incidentId: "inc-a", analyzedAt: 10_100 }, notified)).toBeUndefined();
    expect(occurrenceLatency({ observedAt: 1_000, incidentId: undefined }, notified)).toBeUndefined();
  });
});

describe("latencySummary", () => {
  it("reports the overall percentiles and those of opening and repeat occurrences apart", () => {
    const summary = latencySummary(
      [
        { observedAt: 1_000, incidentId: "inc-a", opened: true, analyzedAt: 1_100 },
        { observedAt: 1_000, incidentId: "inc-a", doneAt: 1_010 },
        { observedAt: 1_000, incidentId: "inc-a", doneAt: 1_030 },
      ],
      notified,
    );
    expect(summary).toEqual({ p50: 30, p99: 500, opening: { p50: 500, p99: 500 }, repeat: { p50: 10, p99: 30 } });
  });
});
