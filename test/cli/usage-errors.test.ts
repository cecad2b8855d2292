/**
 * A command line `oomwatch` cannot parse: exactly one error line and a pointer to that
 * command's --help (not the whole help), exit code 2, for every command. `main` in-process
 * for each command, and once through bin/oomwatch.js as a user runs it.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../../cli/main.ts";

const BIN = join(import.meta.dirname, "../../bin/oomwatch.js");

/** `main(argv)` with stdout/stderr captured and the exit code it set. */
async function runMain(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((t) => out.push(String(t)) > 0);
  vi.spyOn(process.stderr, "write").mockImplementation((t) => err.push(String(t)) > 0);
  process.exitCode = undefined;
  try {
    await main(["node", "oomwatch", ...args]);
  } finally {
    vi.restoreAllMocks();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { code, stdout: out.join(""), stderr: err.join("") };
}

afterEach(() => {
  process.exitCode = undefined;
});

const cases: [string[], string[]][] = [
  [["incidents", "list", "--foo"], ["error: unknown option '--foo'", "(see 'oomwatch incidents list --help')"]],
  [["sandbox", "--foo"], ["error: unknown option '--foo'", "(see 'oomwatch sandbox --help')"]],
  [["incidents", "clusters", "--foo"], ["error: unknown option '--foo'", "(see 'oomwatch incidents clusters --help')"]],
  [["incidents", "stats", "--cluste", "prod"], ["error: unknown option '--cluste' (Did you mean --cluster?)", "(see 'oomwatch incidents stats --help')"]],
  [["incidents", "show"], ["error: missing required argument 'id'", "(see 'oomwatch incidents show --help')"]],
  [["incidents", "list", "--format"], ["error: option '--format <format>' argument missing", "(see 'oomwatch incidents list --help')"]],
  [["incidents", "lsit"], ["error: unknown command 'lsit' (Did you mean list?)", "(see 'oomwatch incidents --help')"]],
  [["slack-view", "--foo"], ["error: unknown option '--foo'", "(see 'oomwatch slack-view --help')"]],
  [["sandbox", "--speed", "0"], ["error: option '--speed <factor>' argument '0' is invalid. expected a positive number", "(see 'oomwatch sandbox --help')"]],
  [["sandbox", "--view-port", "x"], ["error: option '--view-port <port>' argument 'x' is invalid. expected a port number from 0 to 65535", "(see 'oomwatch sandbox --help')"]],
  [["slack-view", "--port", "70000"], ["error: option '--port <port>' argument '70000' is invalid. expected a port number from 0 to 65535", "(see 'oomwatch slack-view --help')"]],
  [["forwarder", "--foo"], ["error: unknown option '--foo'", "(see 'oomwatch forwarder --help')"]],
  [["--foo"], ["error: unknown option '--foo'", "(see 'oomwatch --help')"]],
];

describe("usage errors", () => {
  it.each(cases)("oomwatch %j: one error line, the --help pointer, exit 2", async (args, lines) => {
    expect(await runMain(...args)).toEqual({ code: 2, stdout: "", stderr: `${lines.join("\n")}\n` });
  });

  it("--help still prints the whole help, exit 0", async () => {
    const r = await runMain("incidents", "list", "--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: oomwatch incidents list \[options\]/);
  });

  it("the installed command behaves the same (bin/oomwatch.js)", async () => {
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [BIN, "incidents", "list", "--foo"], { timeout: 55_000, encoding: "utf8" }, (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      });
    });
    expect(r).toEqual({ code: 2, stdout: "", stderr: "error: unknown option '--foo'\n(see 'oomwatch incidents list --help')\n" });
  });
});
