/**
 * Forwarder metrics: Prometheus (prom-client, one registry per forwarder so
 * several can live in one process) plus the plain counters behind `stats()`.
 */
import { Counter, Gauge, Registry } from "prom-client";
import type { IncidentKind } from "../shared/schema/occurrence.ts";

export interface ForwarderStats {
  observed: Record<IncidentKind, number>;
  sent: number;
  /** Node MemoryPressure cleared signals delivered (not occurrences: not in `observed` or `sent`). */
  pressureCleared: number;
  failed: number;
  shed: number;
  outbox: number;
  leader: boolean;
}

export class ForwarderMetrics {
  readonly registry = new Registry();
  private readonly counts: ForwarderStats = {
    observed: { ContainerOOM: 0, PodEviction: 0, NodeMemoryPressure: 0, NodeOOM: 0, MemoryNearLimit: 0, NodeMemoryHigh: 0 },
    sent: 0,
    pressureCleared: 0,
    failed: 0,
    shed: 0,
    outbox: 0,
    leader: false,
  };
  private readonly observedTotal = this.counter("oomwatch_forwarder_observed_total", "Memory occurrences observed (first time per process), by kind", ["kind"]);
  private readonly ignoredTotal = this.counter("oomwatch_forwarder_ignored_total", "Look-alikes recognised as not memory incidents, or older than the lookback", ["reason"]);
  private readonly sentTotal = this.counter("oomwatch_forwarder_sent_total", "Occurrences delivered to SQS");
  private readonly pressureClearedTotal = this.counter("oomwatch_forwarder_pressure_cleared_total", "Node MemoryPressure cleared signals delivered to SQS (not occurrences)");
  private readonly failuresTotal = this.counter("oomwatch_forwarder_send_failures_total", "Failed send attempts of an occurrence (retried unless dropped)", ["dropped"]);
  private readonly shedTotal = this.counter("oomwatch_forwarder_shed_total", "Occurrences shed because the outbox was full");
  private readonly restartsTotal = this.counter("oomwatch_forwarder_watch_restarts_total", "Watch restarts after errors and relists after 410 Gone", ["resource", "reason"]);
  private readonly metricsErrorsTotal = this.counter("oomwatch_forwarder_metrics_errors_total", "Sampling rounds in which the metrics API (metrics.k8s.io) failed, by reason", ["reason"]);
  private readonly memorySamplesTotal = this.counter("oomwatch_forwarder_memory_samples_total", "Working-set samples recorded into the memory history (containers and nodes)");
  private readonly outboxDepth = new Gauge({ name: "oomwatch_forwarder_outbox_depth", help: "Occurrences waiting for or in delivery", registers: [this.registry] });
  private readonly leaderGauge = new Gauge({ name: "oomwatch_forwarder_leader", help: "1 when this replica holds the lease", registers: [this.registry] });

  private counter<L extends string>(name: string, help: string, labelNames: L[] = []): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  observed(kind: IncidentKind): void {
    this.counts.observed[kind]++;
    this.observedTotal.inc({ kind });
  }
  ignored(reason: string): void {
    this.ignoredTotal.inc({ reason });
  }
  sent(): void {
    this.counts.sent++;
    this.sentTotal.inc();
  }
  pressureCleared(): void {
    this.counts.pressureCleared++;
    this.pressureClearedTotal.inc();
  }
  failed(dropped: boolean): void {
    this.counts.failed++;
    this.failuresTotal.inc({ dropped: String(dropped) });
  }
  shed(): void {
    this.counts.shed++;
    this.shedTotal.inc();
  }
  restart(resource: string, reason: "error" | "gone"): void {
    this.restartsTotal.inc({ resource, reason });
  }
  metricsError(reason: string): void {
    this.metricsErrorsTotal.inc({ reason });
  }
  memorySamples(n: number): void {
    if (n > 0) this.memorySamplesTotal.inc(n);
  }
  outbox(depth: number): void {
    this.counts.outbox = depth;
    this.outboxDepth.set(depth);
  }
  leader(value: boolean): void {
    this.counts.leader = value;
    this.leaderGauge.set(value ? 1 : 0);
  }
  stats(): ForwarderStats {
    return { ...this.counts, observed: { ...this.counts.observed } };
  }
}
