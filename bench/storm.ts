/**
 * Benchmark 1 — pipeline storm: the whole sandbox pipeline (simulator → forwarder →
 * SQS → ingest → analyze → notify → Slack sink) under a generated storm. Throughput
 * and latency come from the pipeline itself; lost/duplicated are counted from what
 * DynamoDB and the Slack sink hold at the end. A second, longer storm (4× the
 * occurrences per incident) shows whether the items read per occurrence grow with
 * the incident (`storm.readsGrowth`).
 */
import { join } from "node:path";
import { playScenario } from "../sandbox/k8s-sim/scenario.ts";
import { startPipeline } from "../sandbox/pipeline.ts";
import type { PipelineReport } from "../sandbox/report.ts";
import { CPU_PART_NAMES, CPU_PARTS, type CpuSplit, startCpuProfile } from "./cpu-profile.ts";
import { HandlerTiming } from "./handler-timing.ts";
import { RequestCounter } from "./request-counter.ts";
import { type Check, measured, type BenchOptions, type BenchResult } from "./results.ts";
import { countSlackParents, countStored } from "./storm-checks.ts";
import { STORM_FULL, STORM_QUICK, type StormCounts, type StormSize, stormCounts, stormOccurrences, stormScenario, stormSpeed } from "./storm-scenario.ts";

/** The pipeline counts as drained after this long with nothing pending (subtracted from its end time). */
const QUIET_MS = 500;
/** A record handed back for a retry must be processed again within this (issue: no visibility-timeout waits). */
const MAX_RECORD_WAIT_TARGET_MS = 5000;
/** The growth run: each incident gets this many times the occurrences (same incidents). */
const GROWTH = 4;

/** The functions whose DynamoDB requests make up the per-occurrence figure (the resolver runs on a schedule). */
const FUNCTIONS = ["ingest", "analyze", "notify"] as const;
/** Every part with clients of its own (sandbox/pipeline/types.ts PipelineClientUser). */
const PARTS = [...FUNCTIONS, "resolve", "forwarder"] as const;

/** The same incidents, each with GROWTH times the occurrences. */
export function grownStorm(s: StormSize): StormSize {
  return { ...s, oomsPerService: s.oomsPerService * GROWTH, evictionSteps: s.evictionSteps * GROWTH };
}

interface StormRun {
  occurrences: number;
  seconds: number;
  playMs: number;
  drained: boolean;
  report: PipelineReport;
  requests: RequestCounter;
  /** DynamoDB items read by the three functions (counted until drained, before the report's own reads). */
  itemsRead: number;
  /** The functions' operations that read the most items, when drained. */
  topReads: string;
  /** The three functions' DynamoDB requests. */
  dynamodbRequests: number;
  /** Every SQS request: the functions', the forwarder's and the Lambda runner's polling. */
  sqsRequests: number;
  /** DynamoDB requests and items read by each function, and its operations that read the most. */
  byFunction: Array<{ fn: string; requests: number; items: number; topReads: string; topRequests: string }>;
  /** Where the CPU went, when the run was profiled. */
  cpu?: CpuSplit;
  cpuMsPerOccurrence: number;
  runner: Array<{ fn: string; failed: number; timeouts: number }>;
  /** Records received more than once, and those that waited out a visibility timeout (runner's tracker). */
  redeliveries: { redelivered: number; afterVisibilityTimeout: number; maxWaitMs: number };
  timing: HandlerTiming;
  checks: Check[];
  slackParentsNote: string;
  slackParentsPerIncident: number;
}

async function runStorm(size: StormSize, dataDir: string, quick: boolean, profile = false): Promise<StormRun> {
  const expected = stormCounts(size);
  const total = stormOccurrences(size);
  const speed = stormSpeed(size);
  // Bounded by the size: the 4× growth run needs longer on a loaded machine.
  const drainTimeoutMs = quick ? Math.max(60_000, total * 1000) : Math.max(300_000, total * 250);
  const scenario = stormScenario(size);
  const timing = new HandlerTiming();
  const pipeline = await startPipeline({
    dataDir,
    cluster: scenario.cluster ?? scenario.name,
    log: () => {},
    // The deployed visibility timeouts (shared/resources.ts): contention is resolved in the handlers, not by waiting.
    faults: { wrapHandler: (fn, handler) => timing.wrap(fn, handler) },
  });
  try {
    const requests = new RequestCounter();
    // Each part's own clients: the handlers never use the emulator's shared ones (those poll for the runner).
    for (const part of PARTS) requests.attach(pipeline.partClients(part), part);
    requests.attach(pipeline.aws.clients, "runner");
    const keys = new Set<string>();
    const observedByKind = new Map<string, Set<string>>();
    let firstObservedAt: number | undefined;
    pipeline.forwarder.on("observed", (o) => {
      firstObservedAt ??= Date.now();
      keys.add(o.key);
      observedByKind.set(o.kind, (observedByKind.get(o.kind) ?? new Set()).add(o.key));
    });

    const profiler = profile ? await startCpuProfile() : undefined;
    const cpuBefore = process.cpuUsage();
    const playStart = Date.now();
    await playScenario(pipeline.sim!, scenario, { speed });
    const playMs = Date.now() - playStart;
    let drained = true;
    try {
      await pipeline.waitUntilDrained({ timeoutMs: drainTimeoutMs, quietMs: QUIET_MS });
    } catch {
      drained = false;
    }
    const end = Date.now() - (drained ? QUIET_MS : 0);
    const cpu = process.cpuUsage(cpuBefore);
    const cpuSplit = await profiler?.stop();
    const byFunction = FUNCTIONS.map((fn) => ({
      fn,
      requests: requests.total("DynamoDB", fn),
      items: requests.itemsByPart.get(fn) ?? 0,
      topReads: requests.topReads(3, [fn]) || "none",
      topRequests: requests.topRequests(4, [fn]),
    }));
    const dynamodbRequests = byFunction.reduce((sum, f) => sum + f.requests, 0);
    // The functions' reads only: the drain check's and the status display's are not pipeline work.
    const itemsRead = byFunction.reduce((sum, f) => sum + f.items, 0);
    const topReads = requests.topReads(4, FUNCTIONS);
    const sqsRequests = requests.total("SQS");
    const report = await pipeline.report(scenario.name);
    const seconds = (end - (firstObservedAt ?? playStart)) / 1000;
    const n = Math.max(1, keys.size);
    const runner = (["ingest", "analyze", "notify"] as const).map((fn) => ({ fn, ...pipeline.runner.stats(fn) }));

    const stored = await countStored(pipeline.aws.clients.doc, [...keys]);
    const parents = countSlackParents(pipeline.slackSink!.messages());
    const level3 = stored.byLevel[3];
    const expectedParents = stored.incidents + level3;
    const deadLetters = report.deadLetters.events + report.deadLetters.analyze + report.deadLetters.notify;
    const checks: Check[] = [
      { name: "drained", ok: drained, detail: drained ? `queues empty ${seconds.toFixed(1)} s after the first occurrence` : `not drained within ${drainTimeoutMs / 1000} s` },
      observedCheck(expected, observedByKind),
      { name: "lost = 0", ok: stored.missing === 0 && deadLetters === 0, detail: `${stored.missing} not stored, ${deadLetters} dead letters` },
      {
        name: "duplicated = 0",
        ok: stored.duplicateMembers === 0 && stored.countedOccurrences === stored.stored,
        detail: `${stored.duplicateMembers} duplicate members; incident counts sum to ${stored.countedOccurrences} for ${stored.stored} stored`,
      },
      {
        name: "Slack parents = incidents + L3 ops copies",
        ok: parents.duplicates === 0 && parents.total === expectedParents,
        detail: `${parents.total} parents, ${expectedParents} expected, ${parents.duplicates} duplicates`,
      },
      // The figures below are only as good as the counting: storing occurrences takes DynamoDB writes.
      {
        name: "DynamoDB requests counted",
        ok: stored.stored === 0 || byFunction.every((f) => f.requests > 0),
        detail: `${byFunction.map((f) => `${f.fn} ${f.requests}`).join(", ")} for ${stored.stored} stored occurrences`,
      },
    ];
    return {
      occurrences: keys.size,
      seconds,
      playMs,
      drained,
      report,
      requests,
      itemsRead,
      topReads,
      dynamodbRequests,
      sqsRequests,
      byFunction,
      ...(cpuSplit ? { cpu: cpuSplit } : {}),
      cpuMsPerOccurrence: (cpu.user + cpu.system) / 1000 / n,
      runner,
      redeliveries: pipeline.runner.redeliveries(),
      timing,
      checks,
      slackParentsNote: `${parents.total} parents, ${stored.incidents} incidents, ${level3} of them Level 3 with an ops copy`,
      slackParentsPerIncident: parents.total / Math.max(1, stored.incidents),
    };
  } finally {
    await pipeline.stop();
  }
}

export function stormBench(opts: BenchOptions): Promise<BenchResult> {
  const size = opts.quick ? STORM_QUICK : STORM_FULL;
  const params = {
    ...size,
    expectedOccurrences: stormOccurrences(size),
    growthRunOccurrences: stormOccurrences(grownStorm(size)),
    speed: Math.round(stormSpeed(size)),
  };

  return measured("storm", "Pipeline storm", params, async (out) => {
    const run = await runStorm(size, join(opts.workDir, "storm"), opts.quick);
    const n = Math.max(1, run.occurrences);
    const latency = run.report.latencyMs;
    const retried = run.runner.map((s) => `${s.fn} ${s.failed}${s.timeouts ? ` (${s.timeouts} timed-out batches)` : ""}`).join(", ");
    const itemsPerOccurrence = run.itemsRead / n;
    out.figures.push(
      {
        id: "storm.redeliveries",
        name: "records received more than once",
        value: run.redeliveries.redelivered,
        unit: "",
        note: "handed back for a retry in seconds, or after a visibility timeout (below)",
      },
      {
        id: "storm.timeoutRedeliveries",
        name: "records redelivered only after a visibility timeout",
        value: run.redeliveries.afterVisibilityTimeout,
        unit: "",
        target: { op: "<=", value: 0 },
      },
      {
        id: "storm.maxRecordWaitMs",
        name: "longest wait of a failed record before its retry",
        value: run.redeliveries.maxWaitMs,
        unit: "ms",
        target: { op: "<=", value: MAX_RECORD_WAIT_TARGET_MS },
      },
      {
        id: "storm.throughput",
        name: "throughput end to end",
        value: run.occurrences / run.seconds,
        unit: "occ/s",
        target: { op: ">=", value: 500 },
        note: `${run.occurrences} occurrences in ${run.seconds.toFixed(1)} s`,
      },
      { id: "storm.latencyP50Ms", name: "latency p50 (to the last action)", value: latency.p50, unit: "ms" },
      { id: "storm.latencyP99Ms", name: "latency p99 (to the last action)", value: latency.p99, unit: "ms", target: { op: "<=", value: 2000 } },
      { id: "storm.opening.latencyP50Ms", name: "opening occurrences: latency p50", value: latency.opening?.p50 ?? 0, unit: "ms" },
      { id: "storm.opening.latencyP99Ms", name: "opening occurrences: latency p99", value: latency.opening?.p99 ?? 0, unit: "ms", target: { op: "<=", value: 2000 } },
      { id: "storm.repeat.latencyP50Ms", name: "repeats: latency p50", value: latency.repeat?.p50 ?? 0, unit: "ms" },
      { id: "storm.repeat.latencyP99Ms", name: "repeats: latency p99", value: latency.repeat?.p99 ?? 0, unit: "ms", target: { op: "<=", value: 2000 } },
      { id: "storm.offeredRate", name: "offered rate", value: run.occurrences / (run.playMs / 1000), unit: "occ/s", note: `scenario played in ${(run.playMs / 1000).toFixed(1)} s` },
      {
        id: "storm.cpuMsPerOccurrence",
        name: "CPU per occurrence (whole sandbox)",
        value: run.cpuMsPerOccurrence,
        unit: "ms",
        note: `one process: at most ${(1000 / run.cpuMsPerOccurrence).toFixed(0)} occ/s on one core`,
      },
      {
        id: "storm.dynamodbRequestsPerOccurrence",
        name: "DynamoDB requests per occurrence",
        value: run.dynamodbRequests / n,
        unit: "",
        target: { op: "<=", value: 4 },
        note: `${run.byFunction.map((f) => `${f.fn} ${(f.requests / n).toFixed(2)}`).join(", ")}; top: ${run.requests.top(4)}`,
      },
      ...run.byFunction.map((f) => ({
        id: `storm.dynamodbRequestsPerOccurrence.${f.fn}`,
        name: `${f.fn}: DynamoDB requests per occurrence`,
        value: f.requests / n,
        unit: "",
        note: `${f.requests} requests, ${f.items} items read; most items: ${f.topReads}; most requests: ${f.topRequests}`,
      })),
      { id: "storm.sqsRequestsPerOccurrence", name: "SQS requests per occurrence", value: run.sqsRequests / n, unit: "" },
      {
        id: "storm.itemsReadPerOccurrence",
        name: "DynamoDB items read per occurrence",
        value: itemsPerOccurrence,
        unit: "",
        note: `${run.itemsRead} items; most: ${run.topReads}`,
      },
      { id: "storm.recordsRetried", name: "records retried", value: run.runner.reduce((sum, s) => sum + s.failed, 0), unit: "", note: retried },
      ...run.timing.figures(),
      { id: "storm.slackParentsPerIncident", name: "Slack parents / incidents", value: run.slackParentsPerIncident, unit: "", note: run.slackParentsNote },
    );
    out.checks.push(...run.checks);

    // Same incidents, 4× the occurrences each: constant cost per occurrence keeps the ratio near 1.
    // Profiled (the 1× run's throughput and latency are not): the longer run has more samples.
    const big = await runStorm(grownStorm(size), join(opts.workDir, "storm-growth"), opts.quick, true);
    const bigItems = big.itemsRead / Math.max(1, big.occurrences);
    out.figures.push({
      id: "storm.readsGrowth",
      name: `items read per occurrence at ${GROWTH}× occurrences per incident / at 1×`,
      value: bigItems / Math.max(1e-9, itemsPerOccurrence),
      unit: "×",
      target: { op: "<=", value: 1.2 },
      note: `${bigItems.toFixed(1)} vs ${itemsPerOccurrence.toFixed(1)} items (most: ${big.topReads}); ${big.occurrences} occurrences, ${(big.dynamodbRequests / Math.max(1, big.occurrences)).toFixed(2)} DynamoDB requests each (${big.byFunction.map((f) => `${f.fn} ${(f.requests / Math.max(1, big.occurrences)).toFixed(2)}`).join(", ")})`,
    });
    if (big.cpu) out.figures.push(...cpuFigures(big.cpu, big.occurrences));
    out.checks.push(...big.checks.map((c) => ({ ...c, name: `${GROWTH}× run: ${c.name}` })));
  });
}

/**
 * Observed = generated, kind by kind and exactly: a kind observed more often than the storm
 * generates it (a kill that hits two pods, a relist that finds a new key) fails as much as a lost one.
 */
export function observedCheck(expected: StormCounts, observed: ReadonlyMap<string, ReadonlySet<string>>): Check {
  const kinds = [...new Set([...Object.keys(expected), ...observed.keys()])];
  const counts = kinds.map((kind) => ({ kind, observed: observed.get(kind)?.size ?? 0, generated: expected[kind as keyof StormCounts] ?? 0 }));
  const total = (k: "observed" | "generated") => counts.reduce((sum, c) => sum + c[k], 0);
  return {
    name: "observed = generated",
    ok: counts.every((c) => c.observed === c.generated),
    detail: `${total("observed")} observed, ${total("generated")} generated (${counts.map((c) => `${c.kind} ${c.observed}/${c.generated}`).join(", ")})`,
  };
}

/** The CPU split of a profiled run: each part's share, and per occurrence what the pipeline's own code costs. */
export function cpuFigures(cpu: CpuSplit, occurrences: number): BenchResult["figures"] {
  const n = Math.max(1, occurrences);
  const perOcc = (ms: number) => ms / n;
  const functions = cpu.ms.pipeline + cpu.ms.awsSdk + cpu.ms.zod;
  return [
    ...CPU_PARTS.map((part) => ({
      id: `storm.cpuShare.${part}`,
      name: `${GROWTH}× run CPU share: ${CPU_PART_NAMES[part]}`,
      value: (100 * cpu.ms[part]) / Math.max(1e-9, cpu.totalMs),
      unit: "%",
      note: `${perOcc(cpu.ms[part]).toFixed(2)} ms per occurrence`,
    })),
    {
      id: "storm.cpuMsPerOccurrence.pipeline",
      name: `${GROWTH}× run: CPU per occurrence in the pipeline's own code (functions/, shared/)`,
      value: perOcc(cpu.ms.pipeline),
      unit: "ms",
      note: `self time sampled over ${(cpu.totalMs / 1000).toFixed(1)} s of CPU, ${occurrences} occurrences`,
    },
    {
      id: "storm.cpuMsPerOccurrence.functions",
      name: `${GROWTH}× run: CPU per occurrence of what the Lambdas run (pipeline code + AWS SDK + zod)`,
      value: perOcc(functions),
      unit: "ms",
      note: `emulators ${perOcc(cpu.ms.emulators).toFixed(2)} ms, Node internals ${perOcc(cpu.ms.nodeInternals).toFixed(2)} ms, GC ${perOcc(cpu.ms.gc).toFixed(2)} ms`,
    },
  ];
}
