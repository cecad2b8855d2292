/**
 * `oomwatch sandbox`: validate the input, start the pipeline, play the scenario or
 * recording with live progress, then (with --until-idle) wait for the queues to
 * drain, write the report and stop. Ctrl-C stops everything cleanly at any point.
 */
import { basename } from "node:path";
import { formatActivity } from "./activity.ts";
import { writeFileAtomic } from "./atomic-file.ts";
import { loadRecording, replayRecording, replaySchedule, type RecordedEvent } from "./k8s-sim/recording.ts";
import { FORWARDER_DEFAULTS } from "../forwarder/config.ts";
import { checkExpect, loadScenario, playScenario, type Scenario } from "./k8s-sim/scenario.ts";
import { startPipeline, type Pipeline } from "./pipeline.ts";
import type { PipelineReport, SandboxReport } from "./report.ts";
import { sinkSource, startSlackView, type SlackView } from "./slack-view/server.ts";
import { StatusDisplay, type StatusOutput } from "./status.ts";
import { checkReportPath, SandboxUsageError } from "./usage.ts";

export interface SandboxRunOptions {
  /** The scenario to play (default demo); only when asked for explicitly, since --replay cannot be combined with it. */
  scenario?: string;
  replay?: string;
  kubeconfig?: string;
  slackToken?: string;
  slackChannel?: string;
  dataDir: string;
  untilIdle?: boolean;
  report?: string;
  /** Time multiplier for scenarios and replays (default 1). */
  speed?: number;
  cluster?: string;
  /**
   * Longest wait for the queues to drain with --until-idle. Default: no fixed limit; the
   * wait ends when drained, or fails when nothing moved for longer than a record can stay
   * invisible (sandbox/pipeline/drain.ts).
   */
  drainTimeoutMs?: number;
  /** Serve the local Slack view (default true; only with the Slack sink). */
  view?: boolean;
  /** Port of the Slack view (default DEFAULT_VIEW_PORT; 0 for any free port). */
  viewPort?: number;
  /** Print whole Slack messages, edits included, instead of one line per post, update or reply. */
  verbose?: boolean;
}

export interface SandboxIo {
  out: StatusOutput;
  /** Resolves when the user asks to stop (SIGINT/SIGTERM). */
  interrupted: Promise<void>;
}

export interface SandboxResult {
  exitCode: number;
  report?: SandboxReport;
}

export type Input =
  | { kind: "scenario"; scenario: Scenario; name: string }
  | { kind: "replay"; events: RecordedEvent[]; name: string }
  | { kind: "cluster"; name: string };

/** Compact lines in a plain log (CI, pipes) have no terminal width; this keeps them to one screen line of a wide window. */
const PLAIN_WIDTH = 160;

/**
 * Checks the options and reads and validates the scenario or recording before anything starts
 * (errors name file and position; wrong combinations are SandboxUsageError).
 */
export function loadInput(opts: SandboxRunOptions): Input {
  if (opts.replay && opts.kubeconfig) throw new SandboxUsageError("--replay plays into the simulator; it cannot be combined with --kubeconfig");
  if (opts.replay && opts.scenario) throw new SandboxUsageError("--scenario and --replay cannot be combined: a run plays either a scenario or a recording");
  if (opts.report) checkReportPath(opts.report);
  if (opts.replay) return { kind: "replay", events: loadRecording(opts.replay), name: `replay:${basename(opts.replay)}` };
  if (opts.kubeconfig) return { kind: "cluster", name: `cluster:${basename(opts.kubeconfig)}` };
  const scenario = loadScenario(opts.scenario ?? "demo");
  return { kind: "scenario", scenario, name: scenario.name };
}

export async function runSandbox(opts: SandboxRunOptions, io: SandboxIo): Promise<SandboxResult> {
  const input = loadInput(opts);
  const display = new StatusDisplay(io.out);
  const speed = opts.speed ?? 1;
  const cluster = opts.cluster ?? (input.kind === "scenario" ? (input.scenario.cluster ?? input.scenario.name) : "sandbox");
  const abort = new AbortController();
  let phase = "starting";
  let stopping = false;
  io.interrupted.then(() => {
    stopping = true;
    abort.abort();
  });

  display.log(`oomwatch sandbox: ${input.name} (cluster "${cluster}", data in ${opts.dataDir})`);
  const pipeline: Pipeline = await startPipeline({
    dataDir: opts.dataDir,
    cluster,
    kubeconfig: opts.kubeconfig,
    slackToken: opts.slackToken,
    slackChannel: opts.slackChannel,
    // A replay compresses pacing, not timestamps: the forwarder looks back further by as much, so it ignores what it would have ignored live.
    ...(input.kind === "replay" ? { lookbackMs: FORWARDER_DEFAULTS.lookbackMs + replaySchedule(input.events, { speed }).compressedMs } : {}),
    speed,
    ...(input.kind === "scenario" && input.scenario.policy ? { policy: input.scenario.policy } : {}),
    ...(input.kind === "scenario" && input.scenario.forwarder ? { captureLogs: input.scenario.forwarder.captureLogs } : {}),
    log: (text) => display.log(text),
    onActivity: (activity) => display.log(formatActivity(activity, { verbose: opts.verbose, width: io.out.isTTY ? io.out.columns : PLAIN_WIDTH })),
  });
  display.log(
    `started: SQS ${pipeline.aws.endpoints.sqs}, DynamoDB ${pipeline.aws.endpoints.dynamodb}` +
      (pipeline.sim ? `, Kubernetes simulator ${pipeline.sim.url}` : `, cluster from ${opts.kubeconfig}`) +
      (pipeline.slackSink ? `, Slack sink ${pipeline.slackSink.url}` : ", real Slack"),
  );
  let view: SlackView | undefined;
  if (pipeline.slackSink && opts.view !== false) {
    view = await startSlackView({ source: sinkSource(pipeline.slackSink), port: opts.viewPort }).catch(async (err: unknown) => {
      await pipeline.stop();
      throw err;
    });
    pipeline.slackSink.setPermalinkBase(view.url);
    display.log(`Slack view: ${view.url}${view.portFallback ? " (the default port was taken)" : ""}`);
  }

  let refreshing = false;
  const refresh = async (force = false) => {
    if (refreshing) return;
    refreshing = true;
    try {
      display.update(await pipeline.status(phase), force);
    } catch {
      // The status is best effort; a failed refresh is retried on the next tick.
    } finally {
      refreshing = false;
    }
  };
  const ticker = setInterval(() => void refresh(), io.out.isTTY ? 500 : 1000);

  let exitCode = 0;
  let report: SandboxReport | undefined;
  try {
    phase = input.kind === "cluster" ? "watching the cluster" : "playing";
    if (input.kind === "scenario") {
      await playScenario(pipeline.sim!, input.scenario, {
        speed,
        signal: abort.signal,
        onStep: (step) => display.log(`  t+${(step.at / 1000).toFixed(1)}s  ${step.description}`),
      });
    } else if (input.kind === "replay") {
      const result = await replayRecording(pipeline.sim!, input.events, { speed, signal: abort.signal });
      const skipped = Object.entries(result.skipped);
      if (skipped.length) display.log(`replay skipped kinds the simulator does not serve: ${skipped.map(([k, n]) => `${k} ${n}`).join(", ")}`);
    }
    if (!stopping) {
      if (opts.untilIdle) {
        phase = "draining";
        await pipeline.waitUntilDrained(opts.drainTimeoutMs !== undefined ? { timeoutMs: opts.drainTimeoutMs } : {});
        if (input.kind !== "cluster") {
          // Nothing more will happen: skip the quiet window on the scenario clock so every incident resolves.
          phase = "resolving";
          // Each resolution is printed as the pipeline reports it (onActivity).
          await pipeline.fastForwardAndResolve();
          await pipeline.waitUntilDrained(opts.drainTimeoutMs !== undefined ? { timeoutMs: opts.drainTimeoutMs } : {});
        }
      } else {
        phase = input.kind === "cluster" ? "watching the cluster" : "scenario over, pipeline still running";
        display.log(input.kind === "cluster" ? "watching; Ctrl-C to stop" : "scenario finished; the pipeline keeps running. Ctrl-C to stop.");
        await io.interrupted;
      }
    }
  } catch (err) {
    if (!stopping) throw err;
  } finally {
    clearInterval(ticker);
    phase = stopping ? "stopped" : "done";
    try {
      await refresh(true);
      report = withExpectations(await pipeline.report(input.name), input);
      if (opts.report) writeFileAtomic(opts.report, `${JSON.stringify(report, null, 2)}\n`);
    } finally {
      await view?.stop();
      await pipeline.stop();
    }
  }

  // Only a finished run is held to its expectations: a run stopped early, or without --until-idle, is not over.
  if (report && input.kind === "scenario" && opts.untilIdle && !stopping) {
    if (!report.expectations.met) {
      display.log(`scenario expectations not met:\n  ${report.expectations.failures.join("\n  ")}`);
      exitCode = 1;
    } else if (input.scenario.expect) display.log("scenario expectations met");
  }
  if (report) display.log(summary(report));
  return { exitCode, report };
}

/** The report with the scenario's `expect:` checked against it (nothing to check for a replay or a cluster). */
export function withExpectations(r: PipelineReport, input: Input): SandboxReport {
  const failures =
    input.kind === "scenario" ? checkExpect(input.scenario.expect, { observed: r.observedByKind, incidents: r.incidents, deadLetters: r.deadLetters }) : [];
  return { ...r, expectations: { met: failures.length === 0, failures } };
}

function summary(r: SandboxReport): string {
  return (
    `observed ${r.observed}, forwarded ${r.forwarded}; incidents L0 ${r.incidents["0"]}, L1 ${r.incidents["1"]}, L2 ${r.incidents["2"]}, L3 ${r.incidents["3"]}; ` +
    `slack ${r.slack.posted} posts, ${r.slack.threadReplies} replies, ${r.slack.updated} updates; ` +
    `dead letters ${r.deadLetters.events}/${r.deadLetters.analyze}/${r.deadLetters.notify}; ` +
    `latency p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms` +
    (r.latencyMs.opening && r.latencyMs.repeat
      ? ` (opening p50/p99 ${r.latencyMs.opening.p50}/${r.latencyMs.opening.p99} ms, repeat ${r.latencyMs.repeat.p50}/${r.latencyMs.repeat.p99} ms)`
      : "") +
    "; " +
    (r.redeliveries
      ? `redelivered ${r.redeliveries.redelivered} (after a visibility timeout ${r.redeliveries.afterVisibilityTimeout}, longest wait ${r.redeliveries.maxWaitMs} ms); `
      : "") +
    `${(r.durationMs / 1000).toFixed(1)} s`
  );
}
