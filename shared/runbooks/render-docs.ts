/**
 * Generates docs/runbooks/level-N.md from shared/runbooks/runbooks.ts.
 *   npx tsx shared/runbooks/render-docs.ts          # write the documents
 *   npx tsx shared/runbooks/render-docs.ts --check  # exit 1 when they are out of date
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Level } from "../schema/incident.ts";
import { fillTemplate } from "./fill.ts";
import { RUNBOOKS, runbookDocPath, type RunbookStep } from "./runbooks.ts";

const KIND_LABEL: Record<string, string> = {
  ContainerOOM: "container OOM",
  PodEviction: "pod eviction",
  NodeMemoryPressure: "node memory pressure",
  NodeOOM: "node OOM",
};

function stepMarkdown(step: RunbookStep, n: number): string {
  const lines = [`<a id="${step.id}"></a>`, "", `### ${n}. ${step.title}`, "", fillTemplate(step.detail, {}), ""];
  const scope: string[] = [];
  if (step.kinds) scope.push(`only for ${step.kinds.map((k) => KIND_LABEL[k] ?? k).join(", ")}`);
  if (step.when) scope.push(`when the incident mentions ${step.when.map((w) => `\`${w}\``).join(", ")}`);
  if (scope.length) lines.push(`_Applies ${scope.join("; ")}._`, "");
  const groups = [
    { where: "kubectl", label: "From a workstation with cluster access:" },
    { where: "node", label: "In a shell on the node:" },
  ] as const;
  for (const g of groups) {
    const cmds = step.commands.filter((c) => c.where === g.where);
    if (!cmds.length) continue;
    lines.push(g.label, "", "```sh", ...cmds.map((c) => fillTemplate(c.run, {})), "```", "");
  }
  return lines.join("\n");
}

export function renderRunbookDoc(level: Level): string {
  const rb = RUNBOOKS[level];
  return [
    `# Level ${rb.level} — ${rb.title}`,
    "",
    "<!-- Generated from shared/runbooks/runbooks.ts by `npx tsx shared/runbooks/render-docs.ts`. Edit the source, not this file. -->",
    "",
    `**${rb.responseMinutes === undefined ? "No page: handle during working hours." : `Respond within ${rb.responseMinutes} minutes.`}** Applies to: ${rb.kinds.map((k) => KIND_LABEL[k] ?? k).join(", ")}.`,
    "",
    rb.meaning,
    "",
    "oomwatch posts these steps in the incident's Slack message with the real names filled in; " +
      "here they show placeholders such as `<namespace>`, `<pod>`, `<container>`, `<workload>` (e.g. `deployment/api`), `<node>`, " +
      "and `<request>`/`<limit>` (the recommended sizes).",
    "",
    "## Steps",
    "",
    ...rb.steps.map((s, i) => stepMarkdown(s, i + 1)),
    "## Prevention",
    "",
    ...rb.prevention.map((p) => `- ${p}`),
    "",
  ].join("\n");
}

const LEVELS: Level[] = [0, 1, 2, 3];
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Levels whose document differs from what the source generates. */
export function staleRunbookDocs(root = repoRoot): Level[] {
  return LEVELS.filter((level) => {
    try {
      return readFileSync(join(root, runbookDocPath(level)), "utf8") !== renderRunbookDoc(level);
    } catch {
      return true;
    }
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes("--check")) {
    const stale = staleRunbookDocs();
    if (stale.length) {
      console.error(`out of date: ${stale.map(runbookDocPath).join(", ")} — run npx tsx shared/runbooks/render-docs.ts`);
      process.exit(1);
    }
  } else {
    for (const level of LEVELS) writeFileSync(join(repoRoot, runbookDocPath(level)), renderRunbookDoc(level));
  }
}
