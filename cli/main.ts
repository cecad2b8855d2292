/**
 * `oomwatch` command line. Each subcommand lives in its own module and registers
 * itself on the program; this file only assembles them.
 */
import { Command } from "commander";
import { registerIncidentsCommand } from "./incidents.ts";
import { registerSandboxCommand } from "./sandbox.ts";

export function buildProgram(): Command {
  const program = new Command()
    .name("oomwatch")
    .description("Kubernetes out-of-memory incidents: forwarder, pipeline, local sandbox and incident queries")
    .version("0.1.0")
    .showHelpAfterError();
  registerSandboxCommand(program);
  registerIncidentsCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  await buildProgram().parseAsync(argv);
}
