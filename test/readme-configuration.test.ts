/**
 * The README's configuration table lists every environment variable the deployed code
 * reads (functions/, shared/, forwarder/) and none it does not. What is read: the keys of
 * the two env schemas (parsed as a whole, so their reads do not show as `env.X`) and every
 * `process.env.X`, `process.env["X"]` and `env.X` in the sources.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { ForwarderEnvSchema } from "../forwarder/config.ts";
import { FunctionEnvSchema } from "../shared/config.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CODE_DIRS = ["functions", "shared", "forwarder"];

function envReadsIn(text: string): string[] {
  const patterns = [/\bprocess\.env\.([A-Z][A-Z0-9_]*)\b/g, /\bprocess\.env\[\s*["'`]([A-Z][A-Z0-9_]*)["'`]\s*\]/g, /(?<!process\.)\benv\.([A-Z][A-Z0-9_]*)\b/g];
  return patterns.flatMap((p) => [...text.matchAll(p)].map((m) => m[1]!));
}

function variablesTheCodeReads(): Set<string> {
  const names = new Set([...Object.keys(FunctionEnvSchema.shape), ...Object.keys(ForwarderEnvSchema.shape)]);
  for (const dir of CODE_DIRS) {
    for (const f of readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" })) {
      if (f.endsWith(".ts")) for (const name of envReadsIn(readFileSync(join(ROOT, dir, f), "utf8"))) names.add(name);
    }
  }
  return names;
}

/** Every backquoted UPPER_CASE name in the first column of the table under `## Configuration`. */
function variablesInReadme(readme: string): Set<string> {
  const section = readme.split(/^## Configuration\s*$/m)[1]?.split(/^## /m)[0];
  if (!section) throw new Error("README has no ## Configuration section");
  const firstColumns = section
    .split("\n")
    .filter((line) => line.startsWith("|") && !/^\|\s*-/.test(line))
    .map((line) => line.split("|")[1] ?? "");
  return new Set(firstColumns.flatMap((cell) => [...cell.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]!)));
}

describe("README configuration table", () => {
  test("lists exactly the variables the code reads", () => {
    const read = variablesTheCodeReads();
    const listed = variablesInReadme(readFileSync(join(ROOT, "README.md"), "utf8"));
    expect({ notListed: [...read].filter((n) => !listed.has(n)).sort(), notRead: [...listed].filter((n) => !read.has(n)).sort() }).toEqual({ notListed: [], notRead: [] });
  });

  test("the scan finds each way of reading a variable, and the table parser only the first column", () => {
    expect(envReadsIn('process.env.AWS_REGION; process.env["LOG_LEVEL"]; env.SLACK_TOKEN; env.other; x.NOT_ENV')).toEqual(["AWS_REGION", "LOG_LEVEL", "SLACK_TOKEN"]);
    const readme = "## Configuration\n\n| variable | meaning |\n| --- | --- |\n| `A_B`, `C` | see `NOT_A_VARIABLE` |\n\n## Next\n| `D` | x |\n";
    expect([...variablesInReadme(readme)]).toEqual(["A_B", "C"]);
  });
});
