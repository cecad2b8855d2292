import { describe, expect, it } from "vitest";
import { needsWindowCounts } from "../../functions/ingest/trigger.ts";

describe("needsWindowCounts", () => {
  it("queries the window counts only when the level checks can run and escalate", () => {
    const base = { opened: false, resumed: false };
    expect(needsWindowCounts({ ...base, storedLevel: 1 })).toBe(true);
    expect(needsWindowCounts({ ...base, storedLevel: 2 })).toBe(true);
    expect(needsWindowCounts({ ...base, storedLevel: 3 })).toBe(false);
    expect(needsWindowCounts({ ...base, storedLevel: undefined })).toBe(false);
    expect(needsWindowCounts({ ...base, opened: true, storedLevel: 1 })).toBe(false);
    expect(needsWindowCounts({ ...base, resumed: true, storedLevel: 1 })).toBe(false);
  });
});
