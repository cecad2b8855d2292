import type { Command } from "commander";
import { DEFAULT_DATA_DIR } from "../sandbox/local-aws.ts";
import { dataDirSource, DEFAULT_VIEW_PORT, startSlackView } from "../sandbox/slack-view/server.ts";
import { parsePort } from "./option-values.ts";

export function registerSlackViewCommand(program: Command): void {
  program
    .command("slack-view")
    .description("serve the local Slack view of a sandbox data dir (also after the sandbox has stopped)")
    .option("--data-dir <dir>", "the sandbox's data dir", DEFAULT_DATA_DIR)
    .option("--port <port>", "loopback port (0 = any free port)", parsePort, DEFAULT_VIEW_PORT)
    .action(async (flags: { dataDir: string; port: number }) => {
      const { port } = flags;
      const view = await startSlackView({ source: dataDirSource(flags.dataDir), port });
      process.stdout.write(`Slack view of ${flags.dataDir}: ${view.url}${view.portFallback ? ` (port ${port} was taken)` : ""}\nCtrl-C to stop.\n`);
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      await view.stop();
    });
}
