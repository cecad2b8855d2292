/**
 * `oomwatch sandbox` refuses a call it cannot carry out before anything starts: a --report
 * path that cannot be written, --scenario together with --replay. One line, exit code 2.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CommanderError } from "commander";
import { afterAll, describe, expect, test } from "vitest";
import { buildProgram } from "../../cli/main.ts";
import { loadInput, runSandbox } from "../../sandbox/run.ts";
import { checkReportPath, SandboxUsageError } from "../../sandbox/usage.ts";

const dir = mkdtempSync(join(tmpdir(), "oomwatch-sandbox-usage-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the sandbox with `report`, recording everything it prints. */
function runWithReport(report: string) {
  const writes: string[] = [];
  const dataDir = join(dir, `data-${Math.random().toString(36).slice(2)}`);
  const run = runSandbox({ dataDir, report, untilIdle: true }, { out: { write: (t) => void writes.push(t), isTTY: false }, interrupted: new Promise(() => {}) });
  return { run, writes, dataDir };
}

describe("--report is checked before anything starts", () => {
  test("a directory is refused", async () => {
    const { run, writes, dataDir } = runWithReport(dir);
    await expect(run).rejects.toThrow(new SandboxUsageError(`--report ${dir}: is a directory; give a file name`));
    await expect(run).rejects.toMatchObject({ exitCode: 2 });
    // Nothing started: no output, no data dir.
    expect(writes).toEqual([]);
    expect(existsSync(dataDir)).toBe(false);
  });

  test("a file in a directory that does not exist is refused", async () => {
    const path = join(dir, "missing", "report.json");
    const { run, writes } = runWithReport(path);
    await expect(run).rejects.toThrow(`--report ${path}: directory ${join(dir, "missing")} does not exist`);
    expect(writes).toEqual([]);
  });

  test("a file under a file is refused", () => {
    const file = join(dir, "plain-file");
    writeFileSync(file, "x");
    expect(() => checkReportPath(join(file, "report.json"))).toThrow(`${file} is not a directory`);
  });

  test("a new or existing file in a writable directory is accepted", () => {
    const existing = join(dir, "old-report.json");
    writeFileSync(existing, "{}");
    expect(() => checkReportPath(join(dir, "report.json"))).not.toThrow();
    expect(() => checkReportPath(existing)).not.toThrow();
  });
});

describe("--scenario with --replay", () => {
  test("is refused", () => {
    expect(() => loadInput({ scenario: "demo", replay: "sandbox/recordings/go-oom.watch.json", dataDir: dir })).toThrow(
      new SandboxUsageError("--scenario and --replay cannot be combined: a run plays either a scenario or a recording"),
    );
  });

  test("a replay alone plays the recording", () => {
    expect(loadInput({ replay: "sandbox/recordings/go-oom.watch.json", dataDir: dir })).toMatchObject({ kind: "replay", name: "replay:go-oom.watch.json" });
  });
});

describe("the sandbox command", () => {
  /** Parses `args` after `oomwatch sandbox`; errors are thrown (exitOverride) and stderr is kept. */
  async function sandbox(...args: string[]) {
    const program = buildProgram();
    const stderr: string[] = [];
    const command = program.commands.find((c) => c.name() === "sandbox")!;
    command.exitOverride().configureOutput({ writeErr: (t) => void stderr.push(t), writeOut: () => {} });
    const error = await program.parseAsync(["sandbox", ...args], { from: "user" }).then(
      () => undefined,
      (err: unknown) => err,
    );
    return { error, stderr: stderr.join("") };
  }

  test("--scenario typed with --replay: one line and exit code 2", async () => {
    const { error, stderr } = await sandbox("--scenario", "demo", "--replay", "sandbox/recordings/go-oom.watch.json");
    expect(error).toBeInstanceOf(CommanderError);
    expect(error).toMatchObject({ exitCode: 2 });
    expect(stderr).toBe("error: --scenario and --replay cannot be combined: a run plays either a scenario or a recording\n(see 'oomwatch sandbox --help')\n");
  });

  test("--scenario's default does not count as given: --replay alone gets as far as reading the recording", async () => {
    const { error } = await sandbox("--replay", join(dir, "no-such-recording.json"));
    expect(error).not.toBeInstanceOf(CommanderError);
    expect((error as Error).message).toBe(`recording ${join(dir, "no-such-recording.json")}: no such file`);
  });

  test("an unwritable --report path: exit code 2", async () => {
    const { error, stderr } = await sandbox("--report", dir, "--data-dir", join(dir, "cli-data"));
    expect(error).toMatchObject({ exitCode: 2 });
    expect(stderr.split("\n")[0]).toBe(`error: --report ${dir}: is a directory; give a file name`);
    expect(existsSync(join(dir, "cli-data"))).toBe(false);
  });
});
