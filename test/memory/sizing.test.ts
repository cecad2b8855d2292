import { describe, expect, it } from "vitest";
import { krr, LEAK_NOTE, recommendSizing, roundUpClean, vpaOomBump } from "../../shared/memory/sizing.ts";
import { curve, Gi, Mi, trace } from "./synthetic.ts";

describe("recommendSizing", () => {
  it("OOM-killed at the limit: max(peak x 1.15, VPA bump), with the peak's evidence in the basis", () => {
    // Peak 1000Mi in a 1Gi limit: KRR 1150Mi < VPA bump max(1124Mi, 1228.8Mi) = 1228.8Mi -> 1232Mi.
    const t = trace(curve(60, (i) => (i === 59 ? (1000 / 1024) * 100 : 70)), Gi, 512 * Mi);
    const r = recommendSizing({ trace: t, killedBy: "limit" });
    expect(r.rule).toBe("oom-at-limit");
    expect(r.krrBytes).toBeCloseTo(1150 * Mi, -3);
    expect(r.vpaOomBumpBytes).toBeCloseTo(1.2 * Gi, 0);
    expect(r.limitBytes).toBe(1232 * Mi);
    expect(r.basis[0]).toMatch(/^peak 1000Mi of 60 samples over 30 min \(p50 717Mi, p95 717Mi, p99 1000Mi\)$/);
    expect(r.basis.join("\n")).not.toMatch(/usage/);
  });

  it("a spike the samples missed: KRR alone would shrink the limit that was just hit, the VPA bump does not", () => {
    const t = trace(curve(60, () => 40));
    expect(krr(0.4 * Gi)).toBeLessThan(Gi);
    const r = recommendSizing({ trace: t, killedBy: "limit", shape: "SUDDEN_SPIKE" });
    expect(r.limitBytes).toBe(roundUpClean(vpaOomBump(Gi)));
    expect(r.limitBytes).toBeGreaterThan(Gi);
  });

  it("a peak far above what the bump gives wins: KRR's peak x 1.15", () => {
    // Killed at 1Gi but the sampled peak already read 1.5Gi (limit raised in between): 1.725Gi -> 1776Mi.
    const r = recommendSizing({ trace: trace(curve(20, () => 150)), killedBy: "limit" });
    expect(r.limitBytes).toBe(roundUpClean(krr(1.5 * Gi)));
    expect(r.limitBytes).toBe(1776 * Mi);
  });

  it("not killed: peak x 1.15, never below the current limit", () => {
    const r = recommendSizing({ trace: trace(curve(30, () => 50)) });
    expect(r.rule).toBe("peak");
    expect(r.limitBytes).toBe(Gi);
    expect(r.basis.join("\n")).toMatch(/kept the current 1Gi limit/);
  });

  it("request = p50 x 1.2, raised to keep limit/request <= 2", () => {
    const r = recommendSizing({ trace: trace(curve(30, (i) => (i < 29 ? 10 : 95))), killedBy: "limit" });
    expect(r.requestBytes).toBe(roundUpClean(r.limitBytes! / 2));
  });

  it("no samples, killed at the limit: a guess from VPA's bump, and it says so", () => {
    const r = recommendSizing({ limitBytes: 512 * Mi, killedBy: "limit" });
    expect(r.rule).toBe("guess");
    expect(r.limitBytes).toBe(roundUpClean(vpaOomBump(512 * Mi)));
    expect(r.limitBytes).toBe(624 * Mi);
    expect(r.basis[0]).toMatch(/^guess: no samples/);
    expect(r.basis.join("\n")).not.toMatch(/usage/);
  });

  it("no samples and nothing else: no number, a guess that says to measure", () => {
    const r = recommendSizing({});
    expect(r.rule).toBe("none");
    expect(r.limitBytes).toBeUndefined();
    expect(r.basis).toEqual(["guess: no samples; measure first (kubectl top pod --containers) before sizing"]);
  });

  it("a leak: a higher limit only delays the next kill, and how to find the leak for the runtime", () => {
    const t = trace(curve(60, (i) => 40 + i));
    const jvm = recommendSizing({ trace: t, killedBy: "limit", shape: "MEMORY_LEAK", runtime: "jvm" });
    expect(jvm.advice[0]).toBe(LEAK_NOTE);
    expect(jvm.advice.join("\n")).toMatch(/jcmd <pid> GC\.heap_dump/);
    expect(jvm.advice.join("\n")).toMatch(/HeapDumpOnOutOfMemoryError/);
    expect(jvm.basis.join("\n")).toMatch(/the new limit buys about \d+ min/);
    const unknown = recommendSizing({ trace: t, killedBy: "limit", shape: "MEMORY_LEAK" });
    expect(unknown.advice.join("\n")).toMatch(/debug\/pprof\/heap/);
    expect(unknown.advice.join("\n")).toMatch(/--heapsnapshot-near-heap-limit/);
    expect(recommendSizing({ trace: t, killedBy: "limit" }).advice).toEqual([]);
  });

  it("killed by the node below its own limit: node-side advice, no higher limit", () => {
    const r = recommendSizing({ trace: trace(curve(40, () => 45), Gi, 256 * Mi), killedBy: "node" });
    expect(r.rule).toBe("node-side");
    expect(r.limitBytes).toBeUndefined();
    expect(r.basis.join("\n")).toMatch(/below its own 1Gi limit/);
    expect(r.advice.join("\n")).toMatch(/requests/);
    expect(r.advice.join("\n")).toMatch(/systemReserved/);
    expect(r.advice.join("\n")).toMatch(/evictionHard memory\.available<500Mi/);
  });
});
