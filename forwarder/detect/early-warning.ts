/**
 * Level 0 detection after a sampling round: the early-warning rules (shared/memory/early-warning.ts)
 * for every running container with a memory limit and every node (allocatable as the limit).
 *
 * Keys are per warning episode: `warn:<podUid>:<container>:<severity>:<firingSince>` and
 * `nodewarn:<node>:<severity>:<firingSince>`. Re-evaluating the same episode yields the same key
 * (the forwarder and ingest dedupe on it); a worsening to critical is a new key. The episode's
 * firingSince is remembered while the rule keeps firing, because the rules' own answer moves on once
 * the start of a long run leaves the history window (and the trend rule's moves every round).
 */
import { describeEarlyWarning, type EarlyWarning, type EarlyWarningPolicy, evaluateEarlyWarning } from "../../shared/memory/early-warning.ts";
import type { MemoryTrace } from "../../shared/memory/trace.ts";
import type { EarlyWarningDetail } from "../../shared/schema/memory.ts";
import { containerKey, keyText, type MemoryHistory, nodeKey } from "../memory-history.ts";
import type { SamplingRound } from "../sampler.ts";
import type { Detection } from "./types.ts";

const iso = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString();

/** firingSince per (target, severity) while the rule keeps firing. */
export class WarningEpisodes {
  private readonly since = new Map<string, number>();
  private seen = new Set<string>();

  /** The episode's firingSince for this verdict (the first one seen), or undefined when nothing fires. */
  track(target: string, verdict: EarlyWarning | undefined): number | undefined {
    this.seen.add(target);
    if (!verdict) {
      this.since.delete(`${target}|warning`);
      this.since.delete(`${target}|critical`);
      return undefined;
    }
    // Back to a warning from critical: a later worsening is a new critical episode.
    if (verdict.severity === "warning") this.since.delete(`${target}|critical`);
    const key = `${target}|${verdict.severity}`;
    const known = this.since.get(key);
    if (known !== undefined) return known;
    this.since.set(key, verdict.firingSinceEpochSeconds);
    return verdict.firingSinceEpochSeconds;
  }

  /** Forgets targets not evaluated since the last call (deleted pods, stopped containers, removed nodes). */
  endRound(): void {
    for (const key of [...this.since.keys()]) if (!this.seen.has(key.slice(0, key.lastIndexOf("|")))) this.since.delete(key);
    this.seen = new Set();
  }

  get size(): number {
    return this.since.size;
  }
}

function detail(v: EarlyWarning, firingSince: number): EarlyWarningDetail {
  return {
    ruleId: v.ruleId,
    severity: v.severity,
    currentPercent: v.currentPercent,
    currentBytes: v.currentBytes,
    limitBytes: v.limitBytes,
    firingSince: iso(firingSince),
    ...(v.slopeBytesPerSecond !== undefined ? { slopeBytesPerSecond: v.slopeBytesPerSecond } : {}),
    ...(v.secondsToLimit !== undefined ? { secondsToLimit: v.secondsToLimit } : {}),
  };
}

export interface EarlyWarningInput {
  round: SamplingRound;
  history: MemoryHistory;
  policy: EarlyWarningPolicy;
  episodes: WarningEpisodes;
  /** Allocatable memory of a node (its limit for the node rules). */
  allocatable(node: string): number | undefined;
}

/** Occurrences for every rule that fires after this round. */
export function detectEarlyWarnings(input: EarlyWarningInput): Detection[] {
  const { round, history, policy, episodes } = input;
  const out: Detection[] = [];
  if (!policy.enabled) return out;
  for (const c of round.containers) {
    // Containers without a limit: only the node rules apply.
    if (c.limitBytes === undefined || !(c.limitBytes > 0)) continue;
    const key = containerKey(c.podUid, c.container);
    const trace = history.trace(key, { limitBytes: c.limitBytes, requestBytes: c.requestBytes });
    if (!trace) continue;
    const verdict = evaluateEarlyWarning("container", trace, policy);
    const since = episodes.track(keyText(key), verdict);
    if (!verdict || since === undefined) continue;
    out.push({
      occurrence: {
        key: `warn:${c.podUid}:${c.container}:${verdict.severity}:${iso(since)}`,
        kind: "MemoryNearLimit",
        occurredAt: iso(since),
        source: `early-warning:${verdict.ruleId}`,
        namespace: c.namespace,
        node: c.node,
        pod: { name: c.pod, uid: c.podUid },
        container: { name: c.container, type: c.type, reason: verdict.ruleId },
        message: `${c.namespace}/${c.pod}/${c.container}: ${describeEarlyWarning(verdict)}`,
        warning: detail(verdict, since),
        memoryTrace: trace,
      },
    });
  }
  for (const n of round.nodes) {
    const limitBytes = input.allocatable(n.node);
    if (limitBytes === undefined || !(limitBytes > 0)) continue;
    const key = nodeKey(n.node);
    const trace: MemoryTrace | undefined = history.trace(key, { limitBytes });
    if (!trace) continue;
    const verdict = evaluateEarlyWarning("node", trace, policy);
    const since = episodes.track(keyText(key), verdict);
    if (!verdict || since === undefined) continue;
    out.push({
      occurrence: {
        key: `nodewarn:${n.node}:${verdict.severity}:${iso(since)}`,
        kind: "NodeMemoryHigh",
        occurredAt: iso(since),
        source: `early-warning:${verdict.ruleId}`,
        node: n.node,
        message: `node ${n.node}: ${describeEarlyWarning(verdict)}`,
        warning: detail(verdict, since),
        memoryTrace: trace,
      },
    });
  }
  episodes.endRound();
  return out;
}
