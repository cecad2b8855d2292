/**
 * Crash-safe local state (issue 14 item 6): a sandbox SIGKILLed in the middle of a run leaves a
 * data dir the next run continues from, with every stored Slack reference still valid (no
 * `channel_not_found` / `message_not_found` dead letters).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SandboxReportSchema } from "../../sandbox/report.ts";

const BIN = join(import.meta.dirname, "../../bin/oomwatch.js");
const dir = mkdtempSync(join(tmpdir(), "oomwatch-crash-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sandbox(args: string[]) {
  const child = spawn(process.execPath, [BIN, "sandbox", "--scenario", "demo", "--data-dir", join(dir, "data"), "--speed", "4", "--view-port", "0", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (c: Buffer) => {
    output += c.toString("utf8");
  });
  child.stderr.on("data", (c: Buffer) => {
    output += c.toString("utf8");
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  return { child, exited, output: () => output };
}

describe("crash-safe sandbox data dir", { timeout: 240_000 }, () => {
  it("a run after a SIGKILL mid-run ends with 0 dead letters", async () => {
    const first = sandbox([]);
    // The sandbox prints a line for each Slack message as it is posted ("post  L1  #channel  ..."): kill
    // right after the first one, while notify is still posting and updating the others.
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (/^post +L[0-3?] {2}#[\w-]+ {2}/m.test(first.output())) {
          clearInterval(timer);
          resolve();
        }
      }, 50);
      void first.exited.then(() => {
        clearInterval(timer);
        reject(new Error(`the sandbox exited before posting to Slack:\n${first.output()}`));
      });
    });
    first.child.kill("SIGKILL");
    expect((await first.exited).signal).toBe("SIGKILL");

    const reportPath = join(dir, "report.json");
    const second = sandbox(["--until-idle", "--report", reportPath]);
    const { code } = await second.exited;
    // It drained (the demo's expectations, written for a fresh data dir, may differ in a continued one).
    expect(code, second.output()).not.toBeNull();
    expect(second.output()).not.toContain("did not drain");
    const report = SandboxReportSchema.parse(JSON.parse(readFileSync(reportPath, "utf8")));
    expect(report.deadLetters, second.output()).toEqual({ events: 0, analyze: 0, notify: 0 });
    // The second run did talk to Slack about the incidents the first one had posted.
    expect(report.slack.posted + report.slack.updated + report.slack.threadReplies).toBeGreaterThan(0);
  });
});
