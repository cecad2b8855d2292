import type { Command } from "commander";

export function registerSandboxCommand(program: Command): void {
  program
    .command("sandbox")
    .description("run the whole pipeline locally: SQS, DynamoDB, Kubernetes API simulator, forwarder, Lambda runner, Slack sink")
    .option("--scenario <name|file>", "scenario to play", "demo")
    .option("--data-dir <dir>", "where local data is kept", ".oomwatch/data")
    .action(async () => {
      throw new Error("sandbox is not implemented yet");
    });
}
