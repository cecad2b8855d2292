/**
 * In-cluster entry: `node --import tsx forwarder/main.ts` (or the esbuild bundle
 * in the image). Kubernetes access from the pod's service account (or
 * KUBECONFIG), SQS through the default AWS credential chain (IRSA / EKS Pod
 * Identity); AWS_ENDPOINT_URL_SQS points it at a local emulator.
 * Stops on SIGTERM/SIGINT: stop watching, flush the outbox, release the lease.
 */
import { KubeConfig } from "@kubernetes/client-node";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { createSqsClient, endpointsFromEnv } from "../shared/clients/aws.ts";
import { VERSION } from "../shared/version.ts";
import { ConfigError, FORWARDER_DEFAULTS, formatDuration, loadForwarderConfig } from "./config.ts";
import { startForwarder } from "./forwarder.ts";
import { createLogger } from "./log.ts";

/** The forwarder's command (also `oomwatch forwarder`): every flag has an env variable. */
export function forwarderCommand(name = "oomwatch-forwarder"): Command {
  return new Command(name)
  .version(VERSION)
  .description("Watches pods, events and nodes for memory incidents and sends them to the oomwatch events queue.\nEvery flag has an env variable (in brackets); flags win.")
  .option("--cluster <name>", "cluster name in incidents [OOMWATCH_CLUSTER]")
  .option("--queue-url <url>", "events queue URL [EVENTS_QUEUE_URL]")
  .option("--namespaces <list>", "comma-separated namespaces; all when empty [OOMWATCH_NAMESPACES]")
  .option("--lookback <duration>", `send occurrences up to this old after a restart, default ${formatDuration(FORWARDER_DEFAULTS.lookbackMs)} [OOMWATCH_LOOKBACK]`)
  .option("--leader-election <bool>", `elect a leader on a Lease, default ${FORWARDER_DEFAULTS.leaderElection} [OOMWATCH_LEADER_ELECTION]`)
  .option("--lease-namespace <ns>", "Lease namespace, default the pod's [OOMWATCH_LEASE_NAMESPACE]")
  .option("--lease-name <name>", `Lease name, default ${FORWARDER_DEFAULTS.leaseName} [OOMWATCH_LEASE_NAME]`)
  .option("--lease-duration <duration>", `default ${formatDuration(FORWARDER_DEFAULTS.leaseDurationMs)} [OOMWATCH_LEASE_DURATION]`)
  .option("--lease-renew <duration>", `default ${formatDuration(FORWARDER_DEFAULTS.renewMs)} [OOMWATCH_LEASE_RENEW]`)
  .option("--outbox-size <n>", `occurrences held while SQS is unreachable, default ${FORWARDER_DEFAULTS.outboxSize} [OOMWATCH_OUTBOX_SIZE]`)
  .option("--capture-logs <bool>", `capture the previous container's log tail (needs pods/log), default ${FORWARDER_DEFAULTS.captureLogs} [OOMWATCH_CAPTURE_LOGS]`)
  .option("--metrics-port <port>", `/healthz, /readyz, /metrics port, default ${FORWARDER_DEFAULTS.metricsPort} [OOMWATCH_METRICS_PORT]`)
  .option("--flush-timeout <duration>", `time to flush the outbox on shutdown, default ${formatDuration(FORWARDER_DEFAULTS.flushTimeoutMs)} [OOMWATCH_FLUSH_TIMEOUT]`)
  .option("--identity <id>", "replica identity, default the pod name [OOMWATCH_IDENTITY]")
  .option("--metrics-interval <duration>", `metrics.k8s.io sampling interval, default ${formatDuration(FORWARDER_DEFAULTS.metricsIntervalMs)} [METRICS_INTERVAL]`)
  .option("--early-warning-policy <json>", "Level 0 early-warning rules as JSON, default the reference rules [EARLY_WARNING_POLICY]")
  .option("--log-level <level>", `DEBUG, INFO, WARN, ERROR, default ${FORWARDER_DEFAULTS.logLevel} [LOG_LEVEL]`)
  .action((flags: Record<string, string | boolean | undefined>) => runForwarder(flags));
}

/** Runs until SIGTERM/SIGINT; a configuration error exits 2 with its message. */
export async function runForwarder(flags: Record<string, string | boolean | undefined>): Promise<void> {
  let config: ReturnType<typeof loadForwarderConfig>;
  try {
    config = loadForwarderConfig(process.env, flags);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  const logger = createLogger(config.logLevel, config.identity);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  const sqs = createSqsClient({ endpoints: endpointsFromEnv() });
  const forwarder = await startForwarder({ kubeConfig, sqs, logger, ...config });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("shutting down", { signal });
    forwarder.stop().then(
      () => process.exit(0),
      (err) => {
        logger.error("shutdown failed", { error: String(err) });
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

// Run directly (the image's entry), not when imported by the oomwatch CLI.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  forwarderCommand()
    .parseAsync()
    .catch((err) => {
      process.stderr.write(`oomwatch-forwarder: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    });
}
