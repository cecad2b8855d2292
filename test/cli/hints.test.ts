/** "try --x" hints name only options the user did not pass (defaults do not count as passed). */
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { hintNote, unpassedHints } from "../../cli/incidents/hints.ts";

function parsed(...args: string[]): Command {
  const cmd = new Command("stats").exitOverride().option("--cluster <name>").option("--since <time>", "since", "7d").option("--kind <kind>");
  return cmd.parse(args, { from: "user" });
}

const hints = [
  { option: "cluster", text: "--cluster NAME" },
  { option: "since", text: "--since 30d" },
];

describe("hints", () => {
  it("suggests every option left unset or at its default", () => {
    expect(unpassedHints(parsed(), hints)).toEqual(hints);
    expect(hintNote("no incidents in cluster default", parsed("--kind", "oom"), hints)).toBe("note: no incidents in cluster default; try --cluster NAME, or --since 30d");
  });

  it("drops the options that were passed, even with their default value", () => {
    expect(unpassedHints(parsed("--since", "7d"), hints)).toEqual([hints[0]]);
    expect(unpassedHints(parsed("--cluster", "prod"), hints)).toEqual([hints[1]]);
    expect(hintNote("no incidents", parsed("--cluster=prod", "--since", "1h"), hints)).toBeUndefined();
  });
});
