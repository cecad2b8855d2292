import { describe, expect, it } from "vitest";
import { decideTrigger, needsWindowCounts, type TriggerInput } from "../../functions/ingest/trigger.ts";
import { addToTally, summaryOf, tallyOf } from "../../shared/domain/incident-tally.ts";
import { memberOf } from "../../shared/domain/members.ts";
import { DEFAULT_POLICY } from "../../shared/domain/policy.ts";
import type { Occurrence } from "../../shared/schema/occurrence.ts";
import { at, containerOom, eviction, evictionStorm, memoryPressure, memoryWarning, nodeOom } from "../domain/fixtures.ts";

/**
 * What ingest hands decideTrigger for `o` joining an incident that already holds `earlier`
 * (the running tally before `o`, and the summary with it).
 */
function input(o: Occurrence, earlier: Occurrence[], over: Partial<TriggerInput> = {}): TriggerInput {
  const before = tallyOf(earlier.map(memberOf), DEFAULT_POLICY);
  return {
    occurrence: o,
    member: memberOf(o),
    before,
    summary: summaryOf(addToTally(before, memberOf(o), DEFAULT_POLICY), o.kind),
    opened: false,
    resumed: false,
    storedLevel: 1,
    nodeOomNearby: false,
    policy: DEFAULT_POLICY,
    ...over,
  };
}

const oom = (minutes: number, pod: { name?: string; uid?: string; nodeName?: string } = {}, containerName?: string) =>
  containerOom({ finishedAt: at(minutes), pod, ...(containerName ? { container: { name: containerName } } : {}) });

describe("decideTrigger", () => {
  it("every further Level 0 warning is re-analysed (newer numbers, maybe critical); before the first analysis it waits", () => {
    const first = memoryWarning({ at: at(-10) });
    const again = memoryWarning({ at: at(-5), firingSince: at(-10) });
    expect(decideTrigger(input(again, [first], { storedLevel: 0 }))).toBe("repeat");
    expect(decideTrigger(input(memoryWarning({ at: at(-4), severity: "critical" }), [first, again], { storedLevel: 0 }))).toBe("repeat");
    expect(decideTrigger(input(again, [first], { storedLevel: undefined }))).toBeUndefined();
  });

  it("a new incident is analysed as new, whatever else is true", () => {
    const o = oom(0);
    expect(decideTrigger(input(o, [], { opened: true, storedLevel: undefined }))).toBe("new");
    expect(decideTrigger(input(o, [], { opened: true, resumed: true, storedLevel: 3 }))).toBe("new");
  });

  it("a resumed attempt re-sends its trigger: it may have crashed before sending it", () => {
    expect(decideTrigger(input(oom(1), [oom(0)], { resumed: true }))).toBe("repeat");
    expect(decideTrigger(input(oom(1), [oom(0)], { resumed: true, storedLevel: undefined }))).toBe("repeat");
  });

  it("nothing while the first analysis is pending: it counts this member itself", () => {
    expect(decideTrigger(input(oom(1, { name: "other", uid: "other" }), [oom(0)], { storedLevel: undefined }))).toBeUndefined();
    expect(decideTrigger(input(nodeOom({ at: at(1), pid: 2 }), [nodeOom()], { storedLevel: undefined }))).toBeUndefined();
  });

  it("every node OOM report is a correlation: it can name new victims", () => {
    expect(decideTrigger(input(nodeOom({ at: at(1), pid: 2 }), [nodeOom()], { storedLevel: 3 }))).toBe("correlation");
  });

  it("a container OOM next to a node OOM is a correlation until the incident is at the top level", () => {
    const earlier = [oom(0)];
    expect(decideTrigger(input(oom(1), earlier, { nodeOomNearby: true, storedLevel: 1 }))).toBe("correlation");
    expect(decideTrigger(input(oom(1), earlier, { nodeOomNearby: true, storedLevel: 2 }))).toBe("correlation");
    expect(decideTrigger(input(oom(1), earlier, { nodeOomNearby: true, storedLevel: 3 }))).toBeUndefined();
  });

  it("a new kind in a node-memory incident is re-analysed", () => {
    const pressure = memoryPressure({ at: at(0) });
    expect(decideTrigger(input(eviction({ at: at(1) }), [pressure], { storedLevel: 2 }))).toBe("repeat");
    expect(decideTrigger(input(memoryPressure({ at: at(2) }), [pressure, eviction({ at: at(1) })], { storedLevel: 2 }))).toBeUndefined();
  });

  it("a container OOM with new evidence (pod, container or node) is re-analysed; a plain repeat is not", () => {
    const earlier = [oom(0)];
    expect(decideTrigger(input(oom(1), earlier))).toBeUndefined();
    expect(decideTrigger(input(oom(1, { name: "checkout-2", uid: "uid-2" }), earlier))).toBe("repeat");
    expect(decideTrigger(input(oom(1, {}, "sidecar"), earlier))).toBe("repeat");
    expect(decideTrigger(input(oom(1, { nodeName: "node-b" }), earlier))).toBe("repeat");
  });

  it("another evicted pod in a storm is not re-analysed unless the counts escalate", () => {
    const storm = evictionStorm(4);
    const last = storm.pop()!;
    expect(decideTrigger(input(last, storm, { storedLevel: 2, clusterEvictionsInWindow: 4 }))).toBeUndefined();
    // More than massEviction.count (10) in the window: Level 3 is above the stored 2.
    expect(decideTrigger(input(last, storm, { storedLevel: 2, clusterEvictionsInWindow: 11 }))).toBe("repeat");
  });

  it("repeats that push the level above the stored one are re-analysed", () => {
    // frequentOom: more than 3 OOMs of the container in 60 min is Level 2.
    const three = [oom(0), oom(10), oom(20)];
    expect(decideTrigger(input(oom(30), three.slice(0, 2), { storedLevel: 1 }))).toBeUndefined();
    expect(decideTrigger(input(oom(30), three, { storedLevel: 1 }))).toBe("repeat");
    expect(decideTrigger(input(oom(30), three, { storedLevel: 2 }))).toBeUndefined();
    // Outside the window the earlier ones do not count.
    expect(decideTrigger(input(oom(200), three, { storedLevel: 1 }))).toBeUndefined();
  });
});

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
