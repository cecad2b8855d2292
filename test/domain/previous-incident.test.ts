import { describe, expect, it } from "vitest";
import { minuteUtc, ordinal, previousIncidentLine } from "../../shared/domain/previous-incident.ts";

describe("previous incident line", () => {
  it("writes English ordinals", () => {
    const cases: [number, string][] = [
      [1, "1st"], [2, "2nd"], [3, "3rd"], [4, "4th"], [10, "10th"], [11, "11th"], [12, "12th"], [13, "13th"],
      [21, "21st"], [22, "22nd"], [23, "23rd"], [101, "101st"], [111, "111th"], [112, "112th"], [113, "113th"],
    ];
    expect(cases.map(([n]) => ordinal(n))).toEqual(cases.map(([, s]) => s));
  });

  it("names the previous incident, the count in 7 days and when it was resolved", () => {
    const previous = { incidentId: "a1b2c3d4e5f6a7b8c9d0", resolvedAt: "2026-11-28T14:02:41.123Z", countLast7Days: 3 };
    expect(previousIncidentLine({ kind: "ContainerOOM", previous })).toBe(
      "3rd incident for this container in 7 days (previous: a1b2c3d4e5f6a7b8c9d0, resolved 2026-11-28 14:02 UTC)",
    );
    expect(previousIncidentLine({ kind: "NodeMemoryPressure", previous: { incidentId: "x", countLast7Days: 12 } })).toBe(
      "12th incident for this node in 7 days (previous: x, not resolved yet)",
    );
    expect(previousIncidentLine({ kind: "ContainerOOM", previous: undefined })).toBeUndefined();
    expect(minuteUtc("2026-11-28T16:02:00+02:00")).toBe("2026-11-28 14:02 UTC");
  });
});
