/**
 * How every `oomwatch` command reports a command line it cannot parse (unknown option
 * or command, missing argument): commander's one error line, then a pointer to that
 * command's help instead of the whole help text, and exit code 2.
 */
import type { Command, CommanderError } from "commander";

/** Exit code of a command line that could not be parsed (as grep, curl and friends use it). */
export const USAGE_EXIT_CODE = 2;

/** `oomwatch incidents list`: the names from the root down to `cmd`. */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

/**
 * Applies the style to `program` and every command below it. Call it once the tree is
 * complete: commander copies these settings only to commands created after them, and
 * some commands (the forwarder's) are built on their own and added later.
 */
export function conciseUsageErrors(program: Command): Command {
  const visit = (cmd: Command) => {
    cmd
      .showHelpAfterError(`(see '${commandPath(cmd)} --help')`)
      .exitOverride()
      .configureOutput({ outputError: (text, write) => write(joinSuggestion(text)) });
    for (const sub of cmd.commands) visit(sub);
  };
  visit(program);
  return program;
}

/** commander puts its "(Did you mean --cluster?)" on a line of its own: keep the error one line. */
export function joinSuggestion(text: string): string {
  return text.replace(/\n(\(Did you mean [^\n]*\))/, " $1");
}

/**
 * The exit code for what commander threw through `exitOverride`: help and version keep
 * theirs (0, or 1 for help shown because a subcommand was missing); a parse error is 2.
 * commander has already printed the message, so the caller prints nothing more.
 */
export function commanderExitCode(err: CommanderError): number {
  if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help") return err.exitCode;
  return USAGE_EXIT_CODE;
}
