/**
 * `oomwatch` command line. Each subcommand lives in its own module and registers
 * itself on the program; this file only assembles them.
 */
import { Command, CommanderError } from "commander";
import { commanderExitCode, conciseUsageErrors } from "./usage-errors.ts";
import { registerIncidentsCommand } from "./incidents.ts";
import { registerSandboxCommand } from "./sandbox.ts";
import { registerSlackViewCommand } from "./slack-view.ts";
import { forwarderCommand } from "../forwarder/main.ts";
import { VERSION } from "../shared/version.ts";

export function buildProgram(): Command {
  const program = new Command()
    .name("oomwatch")
    .description("Kubernetes out-of-memory incidents: forwarder, pipeline, local sandbox and incident queries")
    .version(VERSION);
  registerSandboxCommand(program);
  registerIncidentsCommand(program);
  registerSlackViewCommand(program);
  program.addCommand(forwarderCommand("forwarder").summary("run the in-cluster forwarder (pods, events, nodes -> SQS events queue)"));
  return conciseUsageErrors(program);
}

/**
 * Runs the CLI; an error becomes one line on stderr and exit code 1, never a stack trace.
 * A command line commander cannot parse exits 2 (it printed the error and the help pointer).
 */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = commanderExitCode(err);
      return;
    }
    process.stderr.write(`oomwatch: ${err instanceof Error ? err.message : String(err)}\n`);
    if (process.env.OOMWATCH_DEBUG) console.error(err);
    process.exitCode = 1;
  }
}
