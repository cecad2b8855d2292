/**
 * Starts the whole sandbox pipeline (emulators, simulator, real forwarder, Lambda
 * runner with the three handlers, Slack and EventBridge sinks) with fault hooks,
 * and plays the fault storm into it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadScenario, playScenario, type Scenario } from "../../../sandbox/k8s-sim/scenario.ts";
import { startPipeline, type Pipeline, type PipelineFaultHooks } from "../../../sandbox/pipeline.ts";

export const FAULT_STORM_FILE = join(dirname(fileURLToPath(import.meta.url)), "fault-storm.yaml");

/** Scenario speed: the 8 s storm plays in 2 s (object times follow the scenario clock). */
export const STORM_SPEED = 4;

export interface FaultRun {
  pipeline: Pipeline;
  /** Notices the pipeline logged (runner warnings, Slack renders): shown when a test fails. */
  log: string[];
  stop(): Promise<void>;
}

/**
 * Retries through SQS in seconds instead of minutes: a record that fails (lease busy,
 * Slack refused, crash) is redelivered after this visibility timeout. Function timeouts
 * are capped to it, so notify may start records with less time left than its 8 s default.
 */
export const TEST_QUEUES = { visibilityTimeoutSeconds: 10, maxReceiveCount: 10 } as const;
const TEST_NOTIFY_MIN_REMAINING_MS = 500;

export async function startFaultPipeline(name: string, faults: PipelineFaultHooks = {}): Promise<FaultRun> {
  const dir = mkdtempSync(join(tmpdir(), `oomwatch-fault-${name}-`));
  const log: string[] = [];
  const pipeline = await startPipeline({
    dataDir: join(dir, "data"),
    cluster: "faults",
    log: (t) => void log.push(t),
    // OOMWATCH_FAULT_LOG=WARN shows the handlers' own logs when a fault test needs debugging.
    handlerLogLevel: process.env.OOMWATCH_FAULT_LOG ?? "SILENT",
    faults: { queueOverrides: TEST_QUEUES, notifyMinRemainingMs: TEST_NOTIFY_MIN_REMAINING_MS, ...faults },
  });
  return {
    pipeline,
    log,
    async stop() {
      await pipeline.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function faultStorm(): Scenario {
  return loadScenario(FAULT_STORM_FILE);
}

export async function playStorm(run: FaultRun, scenario: Scenario = faultStorm(), speed = STORM_SPEED): Promise<void> {
  const sim = run.pipeline.sim;
  if (!sim) throw new Error("fault tests need the Kubernetes API simulator");
  await playScenario(sim, scenario, { speed });
}

/** Waits until the forwarder's outbox and every queue stay empty; on a timeout, says where things are stuck. */
export async function drain(run: FaultRun, timeoutMs = 45_000): Promise<void> {
  try {
    await run.pipeline.waitUntilDrained({ timeoutMs, quietMs: 500 });
  } catch (err) {
    const status = await run.pipeline.status("stuck");
    throw new Error(`${(err as Error).message}\nstatus: ${JSON.stringify(status)}\nrunner: ${JSON.stringify(run.pipeline.runner.stats())}\nlog: ${run.log.slice(-10).join("\n")}`);
  }
}
