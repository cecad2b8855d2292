/**
 * Plays a scenario against the simulator: builds the initial cluster, then runs
 * each step at its time (divided by `speed`). Object timestamps follow the
 * scenario clock (start + step time, independent of speed), so repeated OOMs of
 * one container get distinct `finishedAt` values even at high speed, exactly as
 * they would at speed 1.
 *
 * The cluster state a scenario keeps (replica slots, cron runs) is in
 * scenario-player/runtime.ts; what each action does is in scenario-player/actions.ts.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { ScenarioRuntime } from "./scenario-player/runtime.ts";
import type { Action, ActionName, Scenario } from "./scenario-schema.ts";
import type { K8sSimulator } from "./server.ts";

export interface StepInfo {
  /** Index of the step in the file, and which repetition this is (0-based). */
  index: number;
  repetition: number;
  /** Scenario time of the step in ms. */
  at: number;
  action: ActionName;
  /** What was done, e.g. `oomKill payments/ledger-api-7c9d8b6f4d-x2k9q/app`. */
  description: string;
}

export interface PlayOptions {
  /** Time multiplier (default 1): 10 plays a 50 s scenario in 5 s. */
  speed?: number;
  signal?: AbortSignal;
  onStep?: (info: StepInfo) => void;
  /** Scenario clock origin (default: now). */
  startTime?: Date;
}

interface TimedAction {
  index: number;
  repetition: number;
  at: number;
  action: Action;
}

function schedule(scenario: Scenario): TimedAction[] {
  const timed = scenario.steps.flatMap((step, index) =>
    Array.from({ length: step.repeat }, (_, repetition) => ({ index, repetition, at: step.at + repetition * (step.every ?? 0), action: step.action })),
  );
  // Stable: same-time steps keep file order.
  return timed.sort((a, b) => a.at - b.at || a.index - b.index || a.repetition - b.repetition);
}

/** Builds the initial cluster, then applies the steps at their times. Resolves when the last step ran. */
export async function playScenario(sim: K8sSimulator, scenario: Scenario, opts: PlayOptions = {}): Promise<void> {
  const speed = opts.speed ?? 1;
  if (!(speed > 0)) throw new Error(`playScenario: speed must be > 0, got ${speed}`);
  const origin = (opts.startTime ?? new Date()).getTime();
  const runtime = new ScenarioRuntime(sim, scenario, origin);
  opts.signal?.throwIfAborted();
  runtime.setup();
  const started = Date.now();
  // metrics-server stamps each scrape: on the scenario clock, so samples (and the incidents drawn
  // from them) are the same at any speed.
  sim.setMetricsClock(() => origin + (Date.now() - started) * speed);
  for (const step of schedule(scenario)) {
    const wait = started + step.at / speed - Date.now();
    if (wait > 0) await sleep(wait, undefined, opts.signal ? { signal: opts.signal } : {});
    opts.signal?.throwIfAborted();
    const description = `${step.action.type} ${runtime.run(step.action, step.at)}`;
    opts.onStep?.({ index: step.index, repetition: step.repetition, at: step.at, action: step.action.type, description });
  }
  const rest = started + scenario.durationMs / speed - Date.now();
  if (rest > 0) await sleep(rest, undefined, opts.signal ? { signal: opts.signal } : {});
}
