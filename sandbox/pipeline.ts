/**
 * The whole oomwatch pipeline on one machine: local SQS + DynamoDB, the local
 * EventBridge and Slack sinks (or real Slack), the Kubernetes API simulator (or a
 * real cluster), the real forwarder, and the three handlers in the Lambda runner.
 * Everything talks over HTTP with the same clients the cloud deployment uses.
 *
 * This file starts the parts in order and stops them again; the handlers' wiring is
 * in pipeline/wiring.ts, the status and report reads in pipeline/status-queries.ts.
 */
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { startForwarder, type Forwarder } from "../forwarder/forwarder.ts";
import { createLogger as createForwarderLogger } from "../forwarder/log.ts";
import type { AwsClients, AwsEndpoints } from "../shared/clients/aws.ts";
import { parsePolicy } from "../shared/domain/policy.ts";
import { RESOLVER, type FunctionId } from "../shared/resources.ts";
import { startEventBridgeSink } from "./eventbridge-sink.ts";
import { releaseDeadLeases } from "../functions/notify/slack-ref.ts";
import { ANALYZE, FORWARDER, RbacPolicy, startK8sSimulator, type K8sSimulator } from "./k8s-sim/server.ts";
import { functionFromResources, startLambdaRunner, type SqsHandler } from "./lambda-runner.ts";
import { createQueues, createTables, localDynamoPath, startLocalAws } from "./local-aws.ts";
import { AwsCallLog } from "./pipeline/aws-calls.ts";
import { waitUntilDrained } from "./pipeline/drain.ts";
import { StatusQueries } from "./pipeline/status-queries.ts";
import type { PartClients, Pipeline, PipelineClientUser, PipelineOptions } from "./pipeline/types.ts";
import { createSandboxHandlers, sandboxFunctionEnv, sandboxSlackClient } from "./pipeline/wiring.ts";
import { sinkDataPaths, startSlackSink } from "./slack-sink.ts";

export type { Pipeline, PipelineClientUser, PipelineFaultHooks, PipelineOptions } from "./pipeline/types.ts";

/** Starts every part in order; on a failure, whatever already started is stopped again. */
export async function startPipeline(opts: PipelineOptions): Promise<Pipeline> {
  const startedAt = Date.now();
  const stack: Array<() => Promise<unknown> | unknown> = [];
  const unwind = async () => {
    for (const stop of stack.reverse()) await Promise.resolve(stop()).catch(() => {});
    stack.length = 0;
  };
  try {
    const dataDir = resolve(opts.dataDir);
    mkdirSync(dataDir, { recursive: true });

    const aws = await startLocalAws({ dataDir: localDynamoPath(dataDir) });
    stack.push(() => aws.stop());
    const hooks = opts.faults ?? {};
    const queues = await createQueues(aws.clients.sqs, "", hooks.queueOverrides);
    const tables = await createTables(aws.clients.dynamodb);
    // A sandbox killed mid-post left its lease behind; this process is the data dir's only user.
    const released = await releaseDeadLeases(aws.clients.doc, tables.incidents);
    if (released) opts.log(`released ${released} Slack posting lease(s) left by a sandbox that was killed`);

    const events = await startEventBridgeSink();
    stack.push(() => events.stop());

    const slackSink = opts.slackToken ? undefined : await startSlackSink({ autoCreateChannels: true, ...sinkDataPaths(dataDir) });
    if (slackSink) stack.push(() => slackSink.stop());
    const endpoints: AwsEndpoints = { ...aws.endpoints, eventbridge: events.endpoint };
    // Each part has its own clients, recording every call (IAM proven by use); a fault hook may replace them.
    const awsCalls = new AwsCallLog();
    const recorded = new Map<PipelineClientUser, AwsClients>();
    const recordedFor = (user: PipelineClientUser): AwsClients => {
      if (!recorded.has(user)) recorded.set(user, awsCalls.clientsFor(user, endpoints));
      return recorded.get(user)!;
    };
    const clientsFor = (user: PipelineClientUser): PartClients => {
      const own = recordedFor(user);
      return { sqs: own.sqs, doc: own.doc, eventbridge: own.eventbridge, ...hooks.clients?.(user, aws, endpoints) };
    };
    const wrap = (fn: FunctionId, handler: SqsHandler) => (hooks.wrapHandler ? hooks.wrapHandler(fn, handler) : handler);

    // Kubernetes: the simulator serves kubeconfig files, so the forwarder and analyze load
    // credentials exactly as they would for a real cluster: each its own identity, held to
    // the RBAC manifests the project ships.
    let sim: K8sSimulator | undefined;
    let kubeconfigPath = opts.kubeconfig;
    let forwarderKubeconfigPath = opts.kubeconfig;
    if (!kubeconfigPath) {
      sim = await startK8sSimulator({ rbac: RbacPolicy.shipped({ logCapture: opts.captureLogs ?? false }) });
      stack.push(() => sim!.stop());
      kubeconfigPath = join(dataDir, "kubeconfig.yaml");
      sim.writeKubeconfig(kubeconfigPath, ANALYZE);
      forwarderKubeconfigPath = join(dataDir, "forwarder-kubeconfig.yaml");
      sim.writeKubeconfig(forwarderKubeconfigPath, FORWARDER);
    }
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(forwarderKubeconfigPath!);

    const env = sandboxFunctionEnv({
      cluster: opts.cluster,
      tableName: tables.incidents,
      queues,
      kubeconfigPath,
      slackToken: opts.slackToken ?? slackSink!.token,
      ...(slackSink ? { slackApiUrl: slackSink.url } : {}),
      ...(opts.slackChannel ? { slackChannel: opts.slackChannel } : {}),
      ...(opts.policy?.escalation ? { escalationPolicy: JSON.stringify(opts.policy.escalation) } : {}),
    });
    const handlers = createSandboxHandlers({
      env,
      clientsFor,
      secrets: recordedFor("analyze").secrets,
      eventbridge: recordedFor("notify").eventbridge,
      slack: await sandboxSlackClient(env, hooks),
      queues,
      logLevel: opts.handlerLogLevel ?? "ERROR",
      hooks,
    });

    const runner = startLambdaRunner({
      sqs: aws.clients.sqs,
      functions: [
        functionFromResources("ingest", queues, wrap("ingest", handlers.ingest)),
        functionFromResources("analyze", queues, wrap("analyze", handlers.analyze)),
        functionFromResources("notify", queues, wrap("notify", handlers.notify)),
      ],
      logger: {
        info: () => {},
        warn: (m, e) => opts.log(`runner: ${m}${e ? ` ${JSON.stringify(e)}` : ""}`),
        error: (m, e) => opts.log(`runner: ${m} ${e ? String((e as { error?: unknown }).error ?? "") : ""}`),
      },
    });
    stack.push(() => runner.stop());
    // The resolver's schedule, on the scenario clock (a long `--kubeconfig` session resolves as AWS would).
    const resolvedIds = new Set<string>();
    const resolveNow = async () => {
      const { resolved } = await handlers.resolve();
      for (const i of resolved) {
        resolvedIds.add(i.id);
        opts.onActivity?.({ type: "resolved", incident: i });
      }
      return resolved;
    };
    const resolveTimer = setInterval(() => {
      resolveNow().catch((e: unknown) => opts.log(`resolve: ${e instanceof Error ? e.message : String(e)}`));
    }, RESOLVER.everyMinutes * 60_000);
    stack.push(() => clearInterval(resolveTimer));

    let forwarder: Forwarder | undefined;
    const queries = new StatusQueries({
      sqs: aws.clients.sqs,
      doc: aws.clients.doc,
      tableName: tables.incidents,
      queues,
      forwarder: () => forwarder!,
      ...(slackSink ? { slackSink } : {}),
      notifiedAt: handlers.notifiedAt,
      analyzedAt: handlers.analyzedAt,
      severityEvents: () => events.events().length,
      startedAt,
      waiting: () => runner.waiting(),
      redeliveries: () => runner.redeliveries(),
    });
    const launchForwarder = async (): Promise<Forwarder> => {
      const started = await startForwarder({
        kubeConfig,
        sqs: clientsFor("forwarder").sqs,
        queueUrl: queues.events.url,
        cluster: opts.cluster,
        leaderElection: false,
        lookbackMs: opts.lookbackMs ?? 3_600_000,
        logger: createForwarderLogger("ERROR"),
        sendBackoff: { baseMs: 100, capMs: 2000 },
        watchBackoff: { baseMs: 200, capMs: 5000 },
        metricsClockSpeed: opts.speed ?? 1,
        captureLogs: opts.captureLogs ?? false,
        ...(opts.policy?.metricsInterval ? { metricsIntervalMs: opts.policy.metricsInterval } : {}),
        ...(opts.policy?.earlyWarning ? { earlyWarningPolicy: opts.policy.earlyWarning } : {}),
        ...hooks.forwarder,
      });
      started.on("observed", (o) => queries.recordObserved(o));
      // The display shows pressure ending when the pipeline learns it: the forwarder's cleared signal.
      const { onActivity } = opts;
      if (onActivity) {
        started.on("pressure-cleared", (o) => {
          if (o.node) onActivity({ type: "pressureCleared", node: o.node, at: o.occurredAt, ...(o.pressure?.reason ? { reason: o.pressure.reason } : {}) });
        });
      }
      return started;
    };
    forwarder = await launchForwarder();
    stack.push(() => forwarder!.stop());
    // A scenario must not start before the forwarder has listed: Kubernetes keeps only a
    // container's last termination, so a change made before the first list could be missed.
    await waitFor(() => forwarder!.synced(), 30_000, "the forwarder's first list of the cluster");

    if (slackSink) {
      const { onActivity } = opts;
      slackSink.subscribe((message, change) => {
        if (!onActivity) {
          if (change === "posted") opts.log(slackSink.render(message));
          return;
        }
        const parent = message.thread_ts ? slackSink.messages().find((m) => m.channel === message.channel && m.ts === message.thread_ts) : undefined;
        onActivity({ type: "slack", change, message, ...(parent ? { parent } : {}) });
      });
    }

    return {
      sim,
      aws,
      queues,
      slackSink,
      get forwarder() {
        return forwarder!;
      },
      runner,
      async restartForwarder() {
        await forwarder!.stop();
        forwarder = await launchForwarder();
        return forwarder;
      },
      status: (phase) => queries.status(phase),
      waitUntilDrained: (drain) => waitUntilDrained({ pending: () => queries.pending(), describe: () => queries.describeQueues(), runner }, drain),
      awsCalls: () => awsCalls.calls(),
      partClients: recordedFor,
      report: async (scenario) => ({ ...(await queries.report(scenario)), resolved: resolvedIds.size }),
      async fastForwardAndResolve() {
        handlers.clock.aheadMs += parsePolicy(env.ESCALATION_POLICY).groupWindowMinutes * 60_000 + 60_000;
        return resolveNow();
      },
      stop: unwind,
    };
  } catch (err) {
    await unwind();
    throw err;
  }
}

async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
