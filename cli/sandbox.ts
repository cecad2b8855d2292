import type { Command } from "commander";
import { DEFAULT_DATA_DIR } from "../sandbox/local-aws.ts";
import { runSandbox, type SandboxRunOptions } from "../sandbox/run.ts";
import { SandboxUsageError } from "../sandbox/usage.ts";
import { DEFAULT_VIEW_PORT } from "../sandbox/slack-view/server.ts";
import { parsePort, parsePositiveNumber } from "./option-values.ts";

/** commander's option values: the run options, --scenario always set (it has a default). */
type SandboxFlags = Omit<SandboxRunOptions, "drainTimeoutMs"> & { speed: number; scenario: string };

/** The terminal the sandbox draws on; `columns` is read at each draw, so a resized window is followed. */
const stdoutDisplay = {
  write: (t: string) => void process.stdout.write(t),
  isTTY: Boolean(process.stdout.isTTY),
  get columns() {
    return process.stdout.columns;
  },
};

export function registerSandboxCommand(program: Command): void {
  program
    .command("sandbox")
    .description("run the whole pipeline locally: SQS, DynamoDB, Kubernetes API simulator, forwarder, Lambda runner, Slack sink")
    .option("--scenario <name|file>", "scenario to play: demo, storm, quiet, or a scenario file", "demo")
    .option("--replay <file>", "replay a recording (kubectl get pods,events,nodes -A -w -o json --output-watch-events, or JSON Lines)")
    .option("--kubeconfig <file>", "watch a real cluster instead of the simulator (AWS parts stay local)")
    .option("--slack-token <token>", "post to real Slack with this bot token instead of the local sink (env SLACK_TOKEN)")
    .option("--slack-channel <channel>", "default Slack channel", "#oom-alerts")
    .option("--data-dir <dir>", "where local DynamoDB data is kept (survives restarts)", DEFAULT_DATA_DIR)
    .option("--until-idle", "exit once the scenario or replay is over and every queue is drained")
    .option("--report <file>", "write a JSON report of the run (the path is checked before anything starts)")
    .option("--verbose", "print whole Slack messages, edits included (default: one line per post, update or reply)")
    .option("--speed <factor>", "time multiplier for scenarios and replays", parsePositiveNumber, 1)
    .option("--cluster <name>", "cluster name in incidents (default: the scenario's)")
    .option("--no-view", "do not serve the local Slack view")
    .option("--view-port <port>", `port of the local Slack view (default ${DEFAULT_VIEW_PORT}; 0 = any free port)`, parsePort)
    .addHelpText(
      "after",
      "\nExamples:\n  npm start                                  # = oomwatch sandbox --scenario demo\n  oomwatch sandbox --scenario storm --until-idle --report report.json\n  oomwatch sandbox --replay capture.json --speed 10\n  oomwatch sandbox --verbose                 # whole Slack messages instead of one line each",
    )
    .action(async (flags: SandboxFlags, command: Command) => {
      let onSignal: () => void = () => {};
      const interrupted = new Promise<void>((resolve) => {
        onSignal = resolve;
      });
      let signals = 0;
      const handler = () => {
        signals++;
        if (signals > 1) process.exit(130); // a second Ctrl-C does not wait for the clean stop
        process.stderr.write("\nstopping: finishing in-flight work…\n");
        onSignal();
      };
      process.on("SIGINT", handler);
      process.on("SIGTERM", handler);
      // --scenario has a default (demo): only a --scenario the user typed conflicts with --replay.
      const scenario = command.getOptionValueSource("scenario") === "cli" ? flags.scenario : undefined;
      let result: Awaited<ReturnType<typeof runSandbox>>;
      try {
        result = await runSandbox({ ...flags, scenario, slackToken: flags.slackToken ?? process.env.SLACK_TOKEN }, { out: stdoutDisplay, interrupted });
      } catch (err) {
        if (err instanceof SandboxUsageError) command.error(`error: ${err.message}`, { exitCode: err.exitCode, code: "oomwatch.usage" });
        throw err;
      } finally {
        process.off("SIGINT", handler);
        process.off("SIGTERM", handler);
      }
      process.exitCode = result.exitCode;
    });
}
