import { describe, expect, it } from "vitest";
import { CAUSE_CODES } from "../../shared/domain/causes.ts";
import { diagnose } from "../../shared/domain/diagnosis.ts";
import { parseGoMemLimit, parseMaxOldSpace, parseXmx, runtimeMemory } from "../../shared/domain/memory-settings.ts";
import { recommend } from "../../shared/domain/recommendation.ts";
import { ContainerSnapshotSchema } from "../../shared/schema/occurrence.ts";
import { memoryEvidence } from "../../functions/analyze/memory-evidence.ts";
import { contextFor } from "./context.ts";
import { classify } from "../../shared/domain/classify.ts";
import { groupOf, warningGroupKeyOf } from "../../shared/domain/grouping.ts";
import { at, container, containerOom, eviction, Gi, Mi, memoryPressure, memoryWarning, node, nodeOom } from "./fixtures.ts";

const jvm = (opts: string) => ({ memorySettings: { JAVA_TOOL_OPTIONS: opts }, image: "eclipse-temurin:21-jre" });

describe("diagnose: cause codes", () => {
  const cases = [
    { name: "no memory limit", ctx: contextFor(containerOom({ container: { limits: {} } })), has: "NO_MEMORY_LIMIT" },
    {
      name: "BestEffort eviction",
      ctx: contextFor(eviction({ pod: { qosClass: "BestEffort" }, container: { requests: {}, limits: {} } })),
      has: "BESTEFFORT_QOS",
    },
    { name: "limit 4x request", ctx: contextFor(containerOom({ container: { requests: { memory: 256 * Mi }, limits: { memory: 1 * Gi } } })), has: "LIMIT_REQUEST_RATIO_HIGH" },
    { name: "-Xmx900m in a 1Gi limit", ctx: contextFor(containerOom({ container: jvm("-Xmx900m") })), has: "JVM_HEAP_TOO_LARGE" },
    { name: "MaxRAMPercentage=90", ctx: contextFor(containerOom({ container: jvm("-XX:MaxRAMPercentage=90.0") })), has: "JVM_HEAP_TOO_LARGE" },
    {
      name: "--max-old-space-size=1024 in a 1Gi limit",
      ctx: contextFor(containerOom({ container: { memorySettings: { NODE_OPTIONS: "--max-old-space-size=1024" } } })),
      has: "NODE_HEAP_TOO_LARGE",
    },
    { name: "GOMEMLIMIT=2GiB in a 1Gi limit", ctx: contextFor(containerOom({ container: { memorySettings: { GOMEMLIMIT: "2GiB" } } })), has: "GOMEMLIMIT_ABOVE_LIMIT" },
    { name: "evicted while using 1800Mi over a 512Mi request", ctx: contextFor(eviction()), has: "USAGE_ABOVE_REQUEST" },
    { name: "old message format also yields usage", ctx: contextFor(eviction({ format: "old" })), has: "USAGE_ABOVE_REQUEST" },
    {
      name: "node limits above allocatable",
      ctx: contextFor(eviction({ node: { podLimits: { memory: 20 * Gi }, allocatable: { memory: 15 * Gi } } })),
      has: "NODE_OVERCOMMITTED",
    },
    { name: "4 OOMs in an hour", ctx: contextFor(containerOom(), { oomsInWindow: 4 }), has: "FREQUENT_OOM" },
    { name: "storm of 50 evictions", ctx: contextFor(eviction(), { clusterEvictionsInWindow: 50 }), has: "MASS_EVICTION" },
    { name: "container OOM next to SystemOOM", ctx: contextFor(containerOom(), { nodeOom: { incidentId: "n1", at: at(0) } }), has: "SYSTEM_OOM_VICTIM" },
    { name: "node OOM with victims", ctx: contextFor(nodeOom(), { victims: [{ namespace: "shop", pod: "checkout-1", container: "api" }] }), has: "SYSTEM_OOM_VICTIM" },
    {
      name: "evicted pod has lower priority than others on the node",
      ctx: contextFor(
        eviction({ node: { topPods: [{ namespace: "db", name: "pg-0", priority: 1000, requests: {}, limits: {} }] } }),
      ),
      has: "PRIORITY_LOW",
    },
  ] as const;
  it.each(cases)("$name -> $has", ({ ctx, has }) => {
    const d = diagnose(ctx);
    expect(d.causes).toContain(has);
    expect(d.summary.length).toBeGreaterThan(10);
    for (const c of d.causes) expect(CAUSE_CODES).toContain(c);
  });

  it("says a node-OOM victim was killed by the node OOM, without repeating it as evidence", () => {
    const d = diagnose(contextFor(containerOom(), { nodeOom: { incidentId: "n1", node: "ip-10-0-1-1", at: at(0) } }));
    expect(d.causes[0]).toBe("SYSTEM_OOM_VICTIM");
    expect(d.summary).toMatch(/^container api of shop\/checkout-7d9f8b6c5d-x2x4k was killed by the node OOM on ip-10-0-1-1 \(node OOM incident n1\)/);
    expect(d.summary).not.toContain("at its 1Gi limit");
    expect(d.summary).not.toContain("killed while the node ran out of memory");
  });

  it("finds nothing wrong with a well-sized JVM container that OOMs once", () => {
    const ctx = contextFor(containerOom({ container: { ...jvm("-XX:MaxRAMPercentage=75"), requests: { memory: 768 * Mi } } }));
    const d = diagnose(ctx);
    expect(d.causes).toEqual([]);
    expect(d.summary).toBe("container api of shop/checkout-7d9f8b6c5d-x2x4k was OOM-killed at its 1Gi limit");
  });

  it("does not blame the usage of an evicted pod that stayed within its request", () => {
    expect(diagnose(contextFor(eviction({ usageBytes: 400 * Mi }))).causes).not.toContain("USAGE_ABOVE_REQUEST");
    expect(diagnose(contextFor(memoryPressure())).causes).toEqual([]);
  });

  it("names the init container in the summary", () => {
    expect(diagnose(contextFor(containerOom({ type: "init" }))).summary).toMatch(/^init container api/);
  });
});

describe("runtime settings parsing", () => {
  it.each([
    ["-Xms256m -Xmx900m", 900 * Mi],
    ["-Xmx2g -Xmx1G", 1 * Gi],
    ["-Xmx1073741824", Gi],
    ["-XX:MaxRAMPercentage=75", undefined],
  ])("parseXmx(%s)", (text, bytes) => expect(parseXmx(text)).toBe(bytes));
  it("parses GOMEMLIMIT and --max-old-space-size", () => {
    expect(parseGoMemLimit("1800MiB")).toBe(1800 * Mi);
    expect(parseGoMemLimit("off")).toBeUndefined();
    expect(parseGoMemLimit("1073741824")).toBe(Gi);
    expect(parseMaxOldSpace("--max-old-space-size=4096 --enable-source-maps")).toBe(4096 * Mi);
  });
  it("skips values that come from Secrets and guesses the runtime from the image", () => {
    const snap = (c: ReturnType<typeof container>) => ContainerSnapshotSchema.parse(c);
    expect(runtimeMemory(snap(container({ memorySettings: { JAVA_OPTS: "<from secretKeyRef>" }, image: "busybox" }))).jvmXmxBytes).toBeUndefined();
    expect(runtimeMemory(snap(container({ image: "node:20-alpine" }))).runtime).toBe("node");
  });
});

describe("recommend", () => {
  it("without samples, sizes a container OOM by VPA's OOM bump and says it is a guess (never calls the limit usage)", () => {
    const r = recommend(contextFor(containerOom()), [])!;
    // max(1Gi + 100Mi, 1Gi x 1.2) = 1228.8Mi -> 1232Mi (16Mi steps); request 512Mi raised to 1232/2 -> 624Mi
    expect(r.proposed.limitBytes).toBe(1232 * Mi);
    expect(r.proposed.requestBytes).toBe(624 * Mi);
    expect(r.current).toEqual({ requestBytes: 512 * Mi, limitBytes: Gi });
    expect(r.resultingQos).toBe("Burstable");
    expect(r.basis[0]).toMatch(/^guess: no samples/);
    expect(r.basis.join("\n")).not.toMatch(/usage/);
    expect(r.summary).toBe("Set api memory request 624Mi / limit 1.2Gi (Burstable) (a guess: no memory samples)");
  });

  it("gives JVM, Go and Node settings from the proposed limit", () => {
    // An explicit -Xmx overrides MaxRAMPercentage: the advice changes that flag in place.
    const j = recommend(contextFor(containerOom({ container: jvm("-XX:+UseG1GC -Xmx900m") })), ["JVM_HEAP_TOO_LARGE"])!;
    expect(j.settings).toEqual({ JAVA_TOOL_OPTIONS: `-XX:+UseG1GC -Xmx${Math.floor(1232 * 0.75)}m` });
    const pct = recommend(contextFor(containerOom({ container: jvm("-XX:MaxRAMPercentage=90") })), ["JVM_HEAP_TOO_LARGE"])!;
    expect(pct.settings).toEqual({ JAVA_TOOL_OPTIONS: "-XX:+UseContainerSupport -XX:MaxRAMPercentage=75" });
    const g = recommend(contextFor(containerOom({ container: { memorySettings: { GOMEMLIMIT: "2GiB" } } })), [])!;
    expect(g.settings.GOMEMLIMIT).toBe(`${Math.floor(1232 * 0.9)}MiB`);
    const n = recommend(contextFor(containerOom({ container: { memorySettings: { NODE_OPTIONS: "--max-old-space-size=1024" } } })), [])!;
    expect(n.settings.NODE_OPTIONS).toBe(`--max-old-space-size=${Math.floor(1232 * 0.75)}`);
  });

  it("sizes from the trace's peak when there is one: max(KRR, VPA bump) after a kill, with the peak in the basis", () => {
    const ctx = contextFor(containerOom());
    // 30 samples, flat 600Mi then 1100Mi at the end (limit raised meanwhile): KRR 1265Mi beats the bump.
    const samples = Array.from({ length: 30 }, (_, i) => [1_800_000_000 + i * 30, (i < 28 ? 600 : 1100) * Mi] as [number, number]);
    const r = recommend({ ...ctx, ...memoryEvidence({ ...ctx, occurrence: { ...ctx.occurrence, memoryTrace: { source: "metrics-server", stepSeconds: 30, samples } } }) }, [])!;
    expect(r.proposed.limitBytes).toBe(1280 * Mi); // 1100 x 1.15 = 1265 -> 1280
    expect(r.basis[0]).toBe("peak 1.07Gi of 30 samples over 15 min (p50 600Mi, p95 1.07Gi, p99 1.07Gi)");
    expect(r.summary).not.toMatch(/guess/);
  });

  it("tells a leak that a higher limit only delays the next kill, with the heap-dump commands of its runtime", () => {
    const ctx = contextFor(containerOom({ container: jvm("-XX:MaxRAMPercentage=60") }));
    const samples = Array.from({ length: 40 }, (_, i) => [1_800_000_000 + i * 30, Math.round((40 + i * 1.5) * 0.01 * Gi)] as [number, number]);
    const withTrace = { ...ctx, occurrence: { ...ctx.occurrence, memoryTrace: { source: "metrics-server" as const, stepSeconds: 30, samples } } };
    const evidence = memoryEvidence(withTrace);
    expect(evidence.shape?.cause).toBe("MEMORY_LEAK");
    const r = recommend({ ...withTrace, ...evidence }, ["MEMORY_LEAK"])!;
    expect(r.summary).toMatch(/a higher limit only delays the next kill/);
    expect(r.basis.join("\n")).toMatch(/jcmd <pid> GC.heap_dump/);
    expect(r.basis.join("\n")).not.toMatch(/pprof/);
  });

  it("gives a node-OOM victim killed below its limit node-side advice, not a higher limit", () => {
    const ctx = contextFor(containerOom(), { nodeOom: { incidentId: "n1", node: "ip-10-0-12-34", at: at(0) } });
    const samples = Array.from({ length: 20 }, (_, i) => [1_800_000_000 + i * 30, 400 * Mi] as [number, number]);
    const withTrace = { ...ctx, occurrence: { ...ctx.occurrence, memoryTrace: { source: "metrics-server" as const, stepSeconds: 30, samples } } };
    const r = recommend({ ...withTrace, ...memoryEvidence(withTrace) }, ["SYSTEM_OOM_VICTIM"])!;
    expect(r.proposed.limitBytes).toBeUndefined();
    expect(r.proposed.requestBytes).toBe(480 * Mi); // p95 400Mi x 1.2
    expect(r.summary).toMatch(/^Do not raise api's limit/);
    expect(r.basis.join("\n")).toMatch(/below its own 1Gi limit/);
    expect(r.basis.join("\n")).toMatch(/evictionHard memory.available<500Mi/);
  });

  it("makes a critical workload Guaranteed", () => {
    const r = recommend(
      contextFor(containerOom({ pod: { qosClass: "Guaranteed" }, container: { requests: { memory: Gi }, limits: { memory: Gi } } })),
      [],
    )!;
    expect(r.proposed.requestBytes).toBe(r.proposed.limitBytes);
    expect(r.resultingQos).toBe("Guaranteed");
  });

  it("sizes an evicted pod from the usage in the eviction message, never below its current limit", () => {
    const r = recommend(contextFor(eviction({ usageBytes: 1800 * Mi })), ["USAGE_ABOVE_REQUEST"])!;
    // limit 1800 x 1.15 = 2070 -> 2080Mi; request 1800 x 1.2 = 2160Mi is capped at that limit
    expect(r.proposed.limitBytes).toBe(2080 * Mi);
    expect(r.proposed.requestBytes).toBe(2080 * Mi);
    expect(r.basis.join("\n")).toMatch(/usage seen: 1.76Gi/);
  });

  it("asks to measure when nothing is known", () => {
    const r = recommend(contextFor(eviction({ pod: { qosClass: "BestEffort" }, container: { requests: {}, limits: {} }, usageBytes: 0 })), [])!;
    expect(r.summary).toMatch(/Measure/);
  });

  it("gives node advice for node OOM with the overcommit amount", () => {
    const r = recommend(contextFor(nodeOom({ node: node({ podLimits: { memory: 20 * Gi } }) })), ["NODE_OVERCOMMITTED"])!;
    expect(r.summary).toMatch(/^cordon and drain ip-10-0-12-34/);
    expect(r.summary).toMatch(/cut 5Gi of memory limits/);
  });
});

describe("Level 0 early warnings and the trace's shape", () => {
  it("no escalation rule raises a Level 0 warning, however often it repeats", () => {
    const ctx = contextFor(memoryWarning({ severity: "critical" }), { oomsInWindow: 10, clusterEvictionsInWindow: 50, evictedPods: [{ namespace: "shop", pod: "x", qosClass: "Guaranteed" }] });
    expect(classify(ctx)).toEqual({ level: 0, baseLevel: 0, reasons: [] });
  });

  it("groups a container's warnings apart from its OOMs, and an OOM finds the warning group", () => {
    expect(groupOf(memoryWarning()).key).toBe("warn|prod-eu|shop|Deployment/checkout|api");
    expect(warningGroupKeyOf(containerOom())).toBe(groupOf(memoryWarning()).key);
    expect(warningGroupKeyOf(nodeOom())).toBeUndefined();
  });

  it("puts the shape cause first among the evidence, and says when the trace is too short to read", () => {
    const leak = Array.from({ length: 30 }, (_, i) => [1_800_000_000 + i * 30, Math.round((40 + i * 2) * 0.01 * Gi)] as [number, number]);
    const o = containerOom();
    const withLeak = contextFor({ ...o, memoryTrace: { source: "metrics-server", stepSeconds: 30, samples: leak } });
    const d = diagnose({ ...withLeak, ...memoryEvidence(withLeak) });
    expect(d.causes[0]).toBe("MEMORY_LEAK");
    expect(d.summary).toMatch(/OOM-killed at its 1Gi limit: working set grew steadily from/);
    const short = contextFor({ ...o, memoryTrace: { source: "metrics-server", stepSeconds: 30, samples: leak.slice(0, 4) } });
    const s = diagnose({ ...short, ...memoryEvidence(short) });
    expect(s.causes).not.toContain("MEMORY_LEAK");
    expect(s.summary).toMatch(/\(memory trace: too few samples: 4 < 10\)$/);
  });
});
