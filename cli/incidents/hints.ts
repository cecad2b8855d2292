/**
 * "try --x" notes after a result that may surprise (nothing found): each suggestion names
 * the option it is about, and one the user already passed is never suggested again.
 */
import type { Command } from "commander";

export interface Hint {
  /** commander's attribute name of the option, e.g. `since` for `--since`. */
  option: string;
  /** What to try, e.g. `--since 30d for older ones`. */
  text: string;
}

/** The hints whose option was not given on the command line (defaults and unset ones count as not given). */
export function unpassedHints(cmd: Command, hints: readonly Hint[]): Hint[] {
  return hints.filter((h) => cmd.getOptionValueSource(h.option) !== "cli");
}

/** `note: <what>; try A, or B`, or undefined when nothing is left to suggest. */
export function hintNote(what: string, cmd: Command, hints: readonly Hint[]): string | undefined {
  const left = unpassedHints(cmd, hints);
  return left.length ? `note: ${what}; try ${left.map((h) => h.text).join(", or ")}` : undefined;
}
