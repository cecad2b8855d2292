/**
 * Level 0 keys per episode (forwarder/detect/early-warning.ts): a long episode keeps its key after its
 * start leaves the history window, a container without a limit gets no container rule, and targets
 * that disappear are forgotten.
 */
import { describe, expect, it } from "vitest";
import { detectEarlyWarnings, WarningEpisodes } from "../../forwarder/detect/early-warning.ts";
import { containerKey, MemoryHistory } from "../../forwarder/memory-history.ts";
import type { SampledContainer, SamplingRound } from "../../forwarder/sampler.ts";
import { EarlyWarningPolicySchema } from "../../shared/memory/early-warning.ts";

const Mi = 2 ** 20;
const policy = EarlyWarningPolicySchema.parse({ container: { warning: { percent: 85, forSeconds: 60 } }, trend: { enabled: false } });
const app: Omit<SampledContainer, "bytes" | "epochSeconds"> = { podUid: "u1", namespace: "shop", pod: "api-0", container: "app", type: "regular", limitBytes: 1000 * Mi };

describe("early-warning episodes", () => {
  it("keeps one key for a long episode, even once its start has left the window", () => {
    const history = new MemoryHistory({ windowSeconds: 300, intervalSeconds: 30 });
    const episodes = new WarningEpisodes();
    const keys = new Set<string>();
    for (let t = 0; t <= 1200; t += 30) {
      history.record(containerKey("u1", "app"), t, 900 * Mi);
      const round: SamplingRound = { containers: [{ ...app, bytes: 900 * Mi, epochSeconds: t }], nodes: [] };
      for (const d of detectEarlyWarnings({ round, history, policy, episodes, allocatable: () => undefined })) keys.add(d.occurrence.key);
    }
    expect([...keys]).toEqual([`warn:u1:app:warning:${new Date(60_000).toISOString()}`]);
    // Back below the threshold: the episode ends; the next one is a new key.
    history.record(containerKey("u1", "app"), 1230, 500 * Mi);
    detectEarlyWarnings({ round: { containers: [{ ...app, bytes: 500 * Mi, epochSeconds: 1230 }], nodes: [] }, history, policy, episodes, allocatable: () => undefined });
    expect(episodes.size).toBe(0);
  });

  it("skips containers without a limit and forgets targets that are gone", () => {
    const history = new MemoryHistory({ windowSeconds: 300, intervalSeconds: 30 });
    const episodes = new WarningEpisodes();
    const noLimit = { ...app, podUid: "u2", limitBytes: undefined };
    for (let t = 0; t <= 120; t += 30) {
      history.record(containerKey("u1", "app"), t, 900 * Mi);
      history.record(containerKey("u2", "app"), t, 900 * Mi);
      const round: SamplingRound = { containers: [{ ...app, bytes: 900 * Mi, epochSeconds: t }, { ...noLimit, bytes: 900 * Mi, epochSeconds: t }], nodes: [] };
      const found = detectEarlyWarnings({ round, history, policy, episodes, allocatable: () => undefined });
      expect(found.every((d) => d.occurrence.pod?.uid === "u1")).toBe(true);
    }
    expect(episodes.size).toBe(1);
    detectEarlyWarnings({ round: { containers: [], nodes: [] }, history, policy, episodes, allocatable: () => undefined });
    expect(episodes.size).toBe(0);
  });
});
