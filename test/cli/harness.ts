/** Runs `oomwatch incidents ...` in-process (the real commands, captured output and exit code). */
import { Command } from "commander";
import { registerIncidentsCommand } from "../../cli/incidents.ts";

export interface Run {
  code: number;
  out: string;
  err: string;
}

export async function incidents(env: NodeJS.ProcessEnv, now: Date, ...args: string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  let code = 0;
  const program = new Command().exitOverride();
  registerIncidentsCommand(program, {
    env,
    now: () => now,
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    setExitCode: (c) => {
      code = c;
    },
  });
  await program.parseAsync(["node", "oomwatch", "incidents", ...args]);
  return { code, out: out.join("\n"), err: err.join("\n") };
}
