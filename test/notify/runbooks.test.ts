/** The runbooks: one source for messages and documents. */
import { describe, expect, it } from "vitest";
import { PLACEHOLDERS, stepsFor } from "../../shared/runbooks/fill.ts";
import { renderRunbookDoc, staleRunbookDocs } from "../../shared/runbooks/render-docs.ts";
import { RUNBOOKS } from "../../shared/runbooks/runbooks.ts";
import { containerOom, nodeOom, podEviction } from "./fixtures.ts";

describe("runbooks", () => {
  it("docs/runbooks/level-N.md are generated from shared/runbooks (run npx tsx shared/runbooks/render-docs.ts)", () => {
    expect(staleRunbookDocs()).toEqual([]);
  });

  it("every step has an anchor, commands and only known placeholders; response targets follow the levels", () => {
    expect([0, 1, 2, 3].map((l) => RUNBOOKS[l as 0 | 1 | 2 | 3].responseMinutes)).toEqual([undefined, 5, 10, 30]);
    for (const rb of Object.values(RUNBOOKS)) {
      const ids = rb.steps.map((s) => s.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const s of rb.steps) {
        expect(s.commands.length).toBeGreaterThan(0);
        for (const c of s.commands) {
          for (const [, name] of c.run.matchAll(/\{\{(\w+)\}\}/g)) expect(PLACEHOLDERS).toContain(name);
        }
      }
      expect(renderRunbookDoc(rb.level)).toContain(
        rb.responseMinutes === undefined ? "**No page: handle during working hours.**" : `**Respond within ${rb.responseMinutes} minutes.**`,
      );
    }
  });

  it("picks steps by level, kind and hints, with names filled in", () => {
    const l1 = stepsFor(containerOom());
    expect(l1.steps.map((s) => s.id)).toEqual(["confirm", "limits-vs-usage", "previous-logs", "jvm", "resize"]);
    const l2 = stepsFor(podEviction());
    expect(l2.steps.map((s) => s.id)).toContain("evicted-pods");
    expect(l2.steps.map((s) => s.id)).not.toContain("repeated-oom");
    const l3 = stepsFor(nodeOom());
    expect(l3.steps[0]?.commands[0]?.run).toBe("kubectl cordon ip-10-0-9-9");
    // names the incident does not have stay visible as placeholders
    expect(l3.steps.flatMap((s) => s.commands.map((c) => c.run)).join("\n")).not.toContain("{{");
  });
});
