/**
 * The forwarder: informers → detection → evidence → validated message → outbox → SQS.
 *
 * Exactly-once per process: a key is observed once (KeyMemory `observed`) and
 * enqueued once (`delivery`), however often relists, 410s or updates show the
 * same state again. Across restarts and failovers the initial list (or a resync
 * from the caches on becoming leader) re-finds everything inside the lookback;
 * downstream dedups on the key, so the end result is exact.
 */
import { EventEmitter } from "node:events";
import { hostname } from "node:os";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { AppsV1Api, BatchV1Api, CoordinationV1Api, CoreV1Api, type KubeConfig, Metrics, type V1Node } from "@kubernetes/client-node";
import { DEFAULT_EARLY_WARNING_POLICY, type EarlyWarningPolicy } from "../shared/memory/early-warning.ts";
import type { IncidentKind, Occurrence, OccurrenceInput } from "../shared/schema/occurrence.ts";
import type { BackoffOptions } from "./backoff.ts";
import { bareOccurrence, createAssembler } from "./assemble.ts";
import { FORWARDER_DEFAULTS } from "./config.ts";
import { type Detection, detectFromEvent, detectFromNode, detectFromPod, detectNodeGone } from "./detect/index.ts";
import { isPressureCleared } from "../shared/domain/node-pressure.ts";
import { detectEarlyWarnings, WarningEpisodes } from "./detect/early-warning.ts";
import { createEvidence, type Evidence } from "./evidence.ts";
import { createInformers, type InformerSet } from "./informers.ts";
import { KeyMemory } from "./key-memory.ts";
import { startLeaderElection, type LeaderElector } from "./leader.ts";
import { createLogger, type Logger } from "./log.ts";
import { allocatableBytes, memoryEvidence } from "./memory-evidence.ts";
import { MemoryHistory, nodeKey } from "./memory-history.ts";
import { toMessage, validationProblems } from "./message.ts";
import { ForwarderMetrics, type ForwarderStats } from "./metrics.ts";
import { Outbox } from "./outbox.ts";
import { createSampler, type Sampler } from "./sampler.ts";
import { type Sender, startSender } from "./sender.ts";
import { type OpsServer, startOpsServer } from "./server.ts";

export type { ForwarderStats } from "./metrics.ts";
export type { Logger } from "./log.ts";

export interface LeaderElectionSettings {
  namespace: string;
  name: string;
  leaseDurationMs?: number;
  renewMs?: number;
}

export interface ForwarderOptions {
  kubeConfig: KubeConfig;
  sqs: SQSClient;
  queueUrl: string;
  cluster: string;
  /** Namespaces to watch pods/events in; all when absent or empty. */
  namespaces?: string[];
  /** Occurrences older than this are not sent (default 1 h). */
  lookbackMs?: number;
  identity?: string;
  /** false (default): always lead; true: Lease `oomwatch/oomwatch-forwarder`. */
  leaderElection?: boolean | LeaderElectionSettings;
  /** Occurrences held while SQS is unreachable (default 10 000). */
  outboxSize?: number;
  /** Capture the previous container's log tail for container OOMs (needs pods/log). */
  captureLogs?: boolean;
  /** Port for /healthz, /readyz, /metrics; no server when absent (0: any free port). */
  metricsPort?: number;
  logger?: Logger;
  /** Retry backoff for SQS sends (default 200 ms .. 10 s: short enough that delivery resumes soon after an outage). */
  sendBackoff?: BackoffOptions;
  /** Backoff for watch restarts (default 500 ms .. 30 s). */
  watchBackoff?: BackoffOptions;
  /** Server-side watch timeout (default 300 s, randomised up to 2x); a watch silent past it is aborted. */
  watchTimeoutSeconds?: number;
  /** Timeout of each list request (default 60 s). */
  listTimeoutMs?: number;
  /** Time `stop()` spends flushing the outbox (default 10 s). */
  flushTimeoutMs?: number;
  /** Timeout of each evidence API call (default 3 s). */
  apiTimeoutMs?: number;
  /** metrics.k8s.io sampling interval in the metrics API's time (default 30 s); 0 turns sampling off. */
  metricsIntervalMs?: number;
  /**
   * How much faster than the wall clock the metrics API's timestamps run (default 1). The sandbox
   * plays scenarios at --speed N on a scenario clock: polling every interval / N gives the same
   * samples, and so the same incidents, as at 1x.
   */
  metricsClockSpeed?: number;
  /** Level 0 rules (default: the reference rules, DEFAULT_EARLY_WARNING_POLICY). */
  earlyWarningPolicy?: EarlyWarningPolicy;
}

export interface Forwarder {
  stop(): Promise<void>;
  stats(): ForwarderStats;
  /** `pressure-cleared`: a node's MemoryPressure cleared signal was delivered (not an occurrence, never `sent`). */
  on(event: "observed" | "sent" | "pressure-cleared", fn: (o: Occurrence) => void): void;
  /** Port of the ops server, when one was started. */
  readonly metricsPort: number | undefined;
  readonly identity: string;
  /** Every informer has listed once (/readyz also reports a forbidden resource: informers.notReadyReason()). */
  synced(): boolean;
  /** Runs one sampling round (and, on the leader, Level 0 detection) now; the timer runs them too. */
  sampleNow(): Promise<void>;
  /** The working-set history (both replicas keep one). */
  readonly history: MemoryHistory;
}

const DEFAULT_LEASE: LeaderElectionSettings = { namespace: "oomwatch", name: "oomwatch-forwarder" };

export async function startForwarder(opts: ForwarderOptions): Promise<Forwarder> {
  const identity = opts.identity ?? `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const logger = opts.logger ?? createLogger("INFO", identity);
  const lookbackMs = opts.lookbackMs ?? FORWARDER_DEFAULTS.lookbackMs;
  const metrics = new ForwarderMetrics();
  const emitter = new EventEmitter();
  const kc = opts.kubeConfig;
  const core = kc.makeApiClient(CoreV1Api);
  const metricsApi = new Metrics(kc);
  const metricsIntervalMs = opts.metricsIntervalMs ?? FORWARDER_DEFAULTS.metricsIntervalMs;
  const history = new MemoryHistory({ intervalSeconds: Math.max(1, metricsIntervalMs / 1000) });
  const policy = opts.earlyWarningPolicy ?? DEFAULT_EARLY_WARNING_POLICY;
  const episodes = new WarningEpisodes();
  const evidence: Evidence = createEvidence({
    apis: { core, apps: kc.makeApiClient(AppsV1Api), batch: kc.makeApiClient(BatchV1Api), metrics: metricsApi },
    logger,
    timeoutMs: opts.apiTimeoutMs,
  });
  const memoryTtl = lookbackMs + 10 * 60_000;
  const observed = new KeyMemory(100_000, memoryTtl);
  const delivery = new KeyMemory(100_000, memoryTtl);
  let leader = !opts.leaderElection;
  let stopping = false;
  const building = new Set<Promise<void>>();

  const outbox = new Outbox(opts.outboxSize ?? FORWARDER_DEFAULTS.outboxSize, (entry) => {
    metrics.shed();
    delivery.delete(entry.key);
    logger.warn("outbox full: shed occurrence", { key: entry.key, kind: entry.occurrence.kind, capacity: outbox.capacity });
  });
  const sender: Sender = startSender({
    sqs: opts.sqs,
    queueUrl: opts.queueUrl,
    outbox,
    logger,
    backoff: opts.sendBackoff,
    // A replica that lost the lease hands everything over: the new leader resyncs from its caches.
    mayRetry: () => leader,
    onSent(entry) {
      // A cleared signal is delivered like an occurrence but is none: it is counted apart.
      const signal = isPressureCleared(entry.occurrence);
      if (signal) metrics.pressureCleared();
      else metrics.sent();
      metrics.outbox(outbox.depth);
      logger.info(signal ? "sent pressure cleared" : "sent", { key: entry.key, kind: entry.occurrence.kind });
      emitter.emit(signal ? "pressure-cleared" : "sent", entry.occurrence);
    },
    onFailed(entry, error, dropped) {
      metrics.failed(dropped);
      if (dropped) delivery.delete(entry.key);
      const log = dropped || entry.attempts === 1 || entry.attempts % 10 === 0 ? logger.warn : logger.debug;
      log(dropped ? "send failed: not retried" : "send failed: will retry", { key: entry.key, attempts: entry.attempts, error });
    },
  });

  let informers: InformerSet;
  const assemble = createAssembler({
    cluster: opts.cluster,
    captureLogs: opts.captureLogs ?? false,
    evidence,
    caches: {
      pod: (uid) => informers.pod(uid),
      podsOnNode: (node) => informers.podsOnNode(node),
      evictedEvent: (uid) => informers.evictedEvent(uid),
      node: (name) => informers.node(name),
      namespace: (name) => informers.namespace(name),
    },
  });

  // ---- the pipeline ---------------------------------------------------------------------

  async function processDetection(d: Detection, firstSeen: boolean, send: boolean): Promise<void> {
    const o = d.occurrence;
    // A cleared signal needs no evidence (nothing is posted for it) and is not an occurrence.
    const signal = isPressureCleared(o);
    // Not sent (a follower only counts what it observes): the API lookups behind evidence would be wasted.
    const bare = signal || !send;
    // Before any await: a pod deletion right after an eviction drops the history this needs.
    const memory = bare
      ? {}
      : memoryEvidence(o, {
          history,
          pod: (uid) => informers.pod(uid),
          node: (name) => informers.node(name),
          topContainers: (node) => sampler.topContainers(node),
        });
    let input: OccurrenceInput;
    try {
      input = bare ? bareOccurrence(d, opts.cluster) : await assemble(d);
    } catch (err) {
      logger.warn("evidence failed: sending without snapshot", { key: o.key, error: String(err) });
      input = bareOccurrence(d, opts.cluster);
    }
    Object.assign(input, memory);
    const message = toMessage(input);
    if (!message) {
      logger.error("invalid occurrence: not sent", { key: o.key, problems: validationProblems(input) });
      metrics.ignored("invalid");
      delivery.delete(o.key);
      return;
    }
    if (message.trimmed.length) logger.info("occurrence trimmed to fit SQS", { key: o.key, trimmed: message.trimmed });
    if (firstSeen && !signal) {
      metrics.observed(o.kind as IncidentKind);
      logger.info("observed", { key: o.key, kind: o.kind, source: o.source, namespace: o.namespace, node: o.node });
      emitter.emit("observed", message.occurrence);
    }
    if (!send) return;
    if (!leader || stopping) {
      delivery.delete(o.key);
      return;
    }
    outbox.push({ key: o.key, body: message.body, occurrence: message.occurrence, attempts: 0, notBefore: 0 });
    metrics.outbox(outbox.depth);
    sender.wake();
  }

  function handle(detections: Detection[]): void {
    if (stopping) return;
    const oldest = new Date(Date.now() - lookbackMs).toISOString();
    for (const d of detections) {
      const key = d.occurrence.key;
      if (d.notMemory) {
        if (!observed.has(`ignored:${key}`)) {
          observed.add(`ignored:${key}`);
          metrics.ignored(d.notMemory);
          logger.info("not a memory incident: not sent", { key, label: d.notMemory });
        }
        continue;
      }
      if (d.occurrence.occurredAt < oldest) {
        if (!observed.has(`old:${key}`)) {
          observed.add(`old:${key}`);
          metrics.ignored("lookback");
          logger.debug("older than lookback: skipped", { key, occurredAt: d.occurrence.occurredAt });
        }
        continue;
      }
      const firstSeen = !observed.has(key);
      const send = leader && !delivery.has(key);
      if (!firstSeen && !send) continue;
      if (firstSeen) observed.add(key);
      if (send) delivery.add(key);
      const job = processDetection(d, firstSeen, send).catch((err) => logger.error("pipeline error", { key, error: String(err) }));
      building.add(job);
      void job.finally(() => building.delete(job));
    }
  }

  // Nodes this process saw under MemoryPressure: their next False is a clear, however soon after
  // the node registered (forwarder/detect/node.ts).
  const underPressure = new Set<string>();
  function onNode(node: V1Node, deleted = false): void {
    const name = node.metadata?.name ?? "";
    // A deleted node's working sets will not come back under its name: forget them (its only
    // detection, a cleared signal, reads no history).
    if (deleted) history.dropKey(nodeKey(name));
    const detections = deleted ? detectNodeGone(node) : detectFromNode(node, underPressure.has(name));
    for (const d of detections) {
      if (isPressureCleared(d.occurrence)) underPressure.delete(name);
      else underPressure.add(name);
    }
    handle(detections);
  }

  function resync(): void {
    for (const p of informers.pods()) handle(detectFromPod(p));
    for (const e of informers.events()) handle(detectFromEvent(e));
    for (const n of informers.nodes()) onNode(n);
  }

  informers = createInformers({
    kubeConfig: kc,
    core,
    namespaces: opts.namespaces,
    backoff: opts.watchBackoff ?? { baseMs: 500, capMs: 30_000 },
    watchTimeoutSeconds: opts.watchTimeoutSeconds ?? 300,
    listTimeoutMs: opts.listTimeoutMs ?? 60_000,
    logger,
    onPod: (pod, verb) => {
      // A deleted pod's containers will not come back under its UID: forget their history.
      if (verb === "delete") history.drop(pod.metadata?.uid ?? "");
      else handle(detectFromPod(pod));
    },
    onEvent: (ev, verb) => verb !== "delete" && handle(detectFromEvent(ev)),
    onNode: (node, verb) => onNode(node, verb === "delete"),
    onRestart: (resource, reason) => metrics.restart(resource, reason),
  });

  // ---- memory sampling and Level 0 -------------------------------------------------------

  const sampler: Sampler = createSampler({
    metrics: metricsApi,
    history,
    pods: () => informers.pods(),
    logger,
    counters: metrics,
    timeoutMs: opts.apiTimeoutMs ?? 3000,
  });

  async function sampleRound(): Promise<void> {
    const round = await sampler.round();
    if (!round || stopping) return;
    // Every replica evaluates (so episodes survive a failover); handle() sends only on the leader.
    handle(detectEarlyWarnings({ round, history, policy, episodes, allocatable: (node) => allocatableBytes(informers.node(node)) }));
  }

  let sampling: Promise<void> = Promise.resolve();
  /** Rounds never overlap: a slow metrics API delays the next round instead of stacking them. */
  const sampleNow = (): Promise<void> => {
    sampling = sampling.then(sampleRound).catch((err) => logger.error("sampling round failed", { error: String(err) }));
    return sampling;
  };
  let samplerTimer: NodeJS.Timeout | undefined;
  const samplerWallMs = metricsIntervalMs / Math.max(opts.metricsClockSpeed ?? 1, 1e-6);
  const scheduleSampling = () => {
    if (stopping || !(metricsIntervalMs > 0)) return;
    samplerTimer = setTimeout(() => void sampleNow().then(scheduleSampling), samplerWallMs);
    samplerTimer.unref();
  };

  // ---- leadership -----------------------------------------------------------------------

  metrics.leader(leader);
  let elector: LeaderElector | undefined;
  if (opts.leaderElection) {
    const lease = opts.leaderElection === true ? DEFAULT_LEASE : opts.leaderElection;
    elector = startLeaderElection({
      api: kc.makeApiClient(CoordinationV1Api),
      namespace: lease.namespace,
      name: lease.name,
      identity,
      leaseDurationMs: lease.leaseDurationMs,
      renewMs: lease.renewMs,
      logger,
      onChange(isLeader) {
        leader = isLeader;
        metrics.leader(isLeader);
        if (isLeader) {
          // Whatever happened before we led (or while the old leader died) is in the caches.
          resync();
        } else {
          // The new leader resyncs from its own caches; keep nothing half-owned here.
          for (const e of outbox.drain()) delivery.delete(e.key);
          metrics.outbox(outbox.depth);
        }
      },
    });
  }

  await informers.start();
  if (metricsIntervalMs > 0) void sampleNow().then(scheduleSampling);
  logger.info("forwarder started", { identity, cluster: opts.cluster, namespaces: opts.namespaces ?? "all", leader });

  const server: OpsServer | undefined =
    opts.metricsPort === undefined
      ? undefined
      : await startOpsServer({
          port: opts.metricsPort,
          registry: metrics.registry,
          healthy: () => !stopping,
          notReadyReason: () => informers.notReadyReason(),
        });

  return {
    identity,
    metricsPort: server?.port,
    stats: () => ({ ...metrics.stats(), outbox: outbox.depth }),
    synced: () => informers.synced(),
    history,
    sampleNow,
    on(event, fn) {
      emitter.on(event, fn);
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      clearTimeout(samplerTimer);
      await informers.stop();
      await sampling;
      await Promise.allSettled([...building]);
      const flushed = await sender.flush(opts.flushTimeoutMs ?? FORWARDER_DEFAULTS.flushTimeoutMs);
      if (!flushed) logger.warn("shutdown: outbox not empty after flush timeout", { outbox: outbox.depth });
      sender.stop();
      await elector?.stop();
      await server?.close();
      logger.info("forwarder stopped", { identity, ...metrics.stats() });
    },
  };
}
