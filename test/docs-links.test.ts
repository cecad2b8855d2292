/**
 * The repository stands alone: every document or file that a source comment or a
 * Markdown file names must exist in it. Names are recognised by shape (a path under
 * one of the repository's top-level folders, or a Markdown link), so a moved or
 * deleted file fails here instead of leaving readers a dead reference.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SKIP_DIRS = new Set(["node_modules", ".git", "cdk.out", "coverage", "dist", ".oomwatch"]);
const TOP_LEVEL = ["bench", "bin", "cli", "docs", "forwarder", "functions", "infra", "sandbox", "shared", "test"];
const SOURCE = /\.(?:ts|js|mjs|cjs)$/;

/** A path under a top-level folder, e.g. `shared/k8s/snapshot.ts`, `docs/design.md`, `forwarder/deploy/`. */
const REPO_PATH = new RegExp(`(?<![\\w./-])(?:\\.\\.?/)*(?:${TOP_LEVEL.join("|")})/[\\w.*/{},-]*[\\w*/}]`, "g");
/** A document named without a folder, e.g. `PLANS.md`, `deploy.md`. */
const BARE_DOC = /(?<![\w./-])[\w-]+(?:\.[\w-]+)*\.md\b/g;
/** A Markdown link target: `[text](target)`. */
const MD_LINK = /\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g;
const URL_LIKE = /\b[a-z][a-z0-9+.-]*:\/\/\S+/gi;

function walk(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) walk(join(dir, entry.name), out);
    } else if (SOURCE.test(entry.name) || entry.name.endsWith(".md")) {
      out.push(join(dir, entry.name));
    }
  }
  return out;
}

/** The text of `//` and block comments (string literals that contain `//` are URLs, removed later). */
function commentsOf(source: string): string {
  const parts: string[] = [];
  for (const m of source.matchAll(/\/\*[\s\S]*?\*\/|(?<![:"'`\w\\])\/\/[^\n]*/g)) parts.push(m[0]);
  return parts.join("\n");
}

/** Repository paths named in `text`. */
function namedPaths(text: string): string[] {
  return [...text.replace(URL_LIKE, " ").matchAll(REPO_PATH)].map((m) => m[0]);
}

/** Documents named without a folder; they must be next to the naming file, at the root, in docs/ or docs/runbooks/. */
function bareDocs(text: string): string[] {
  return [...text.replace(URL_LIKE, " ").matchAll(BARE_DOC)].map((m) => m[0]);
}

function docExists(name: string, fromDir: string): boolean {
  return [fromDir, ROOT, join(ROOT, "docs"), join(ROOT, "docs", "runbooks")].some((dir) => existsAt(join(dir, name)));
}

/** `level-{1,2,3}.md` -> each of the three names. */
function expandBraces(path: string): string[] {
  const m = /\{([^{}]*)\}/.exec(path);
  if (!m) return [path];
  return m[1]!.split(",").flatMap((alt) => expandBraces(path.slice(0, m.index) + alt + path.slice(m.index + m[0].length)));
}

/** Exists as named, or as a pattern: `dir/*` (the folder) or `level-N.md` (N: any number, at least one file). */
function existsAt(target: string): boolean {
  if (/\*/.test(target)) return existsSync(target.replace(/\/?\*.*$/, ""));
  if (/-N\./.test(target)) {
    const dir = dirname(target);
    const name = new RegExp(`^${target.slice(dir.length + 1).replace(/[.]/g, "\\.").replace("-N\\.", "-\\d+\\.")}$`);
    return existsSync(dir) && readdirSync(dir).some((f) => name.test(f));
  }
  return existsSync(target);
}

/**
 * Whether a named path exists. From the repository root, or from the naming file's
 * folder; a `./` path in a source comment is relative to its file, in Markdown (commands,
 * code samples) to the root as well.
 */
function exists(path: string, fromDir: string, markdown = false): boolean {
  const clean = path.replace(/[.,;:)]+$/, "");
  const bases = clean.startsWith(".") ? (markdown ? [fromDir, ROOT] : [fromDir]) : [ROOT, fromDir];
  return expandBraces(clean).every((p) => bases.some((base) => existsAt(resolve(base, p))));
}

interface Missing {
  file: string;
  names: string;
}

function check(file: string): Missing[] {
  const text = readFileSync(file, "utf8");
  const fromDir = dirname(file);
  const missing: Missing[] = [];
  const named = file.endsWith(".md") ? text : commentsOf(text);
  for (const path of namedPaths(named)) if (!exists(path, fromDir, file.endsWith(".md"))) missing.push({ file: relative(ROOT, file), names: path });
  for (const name of bareDocs(named)) if (!docExists(name, fromDir)) missing.push({ file: relative(ROOT, file), names: name });
  if (file.endsWith(".md")) {
    for (const m of text.matchAll(MD_LINK)) {
      const target = m[1]!;
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("#")) continue;
      const path = target.split("#")[0]!;
      if (path && !existsSync(resolve(fromDir, decodeURIComponent(path)))) missing.push({ file: relative(ROOT, file), names: target });
    }
  }
  return missing;
}

describe("documents named in the repository exist", () => {
  test("every repository path in a source comment or a Markdown file, and every Markdown link, exists", () => {
    // This file names absent paths on purpose (the checker's own test below).
    const self = fileURLToPath(import.meta.url);
    const files = walk(ROOT).filter((f) => f !== self && statSync(f).size < 1_000_000);
    expect(files.length).toBeGreaterThan(50);
    expect(files.flatMap(check)).toEqual([]);
  });

  test("the checker sees paths in comments and links, and misses none that are absent", () => {
    const comments = commentsOf(['const url = "https://example.com/docs/x.md";', "// see docs/design.md and shared/none.ts", "/** docs/missing.md */"].join("\n"));
    expect(namedPaths(comments)).toEqual(["docs/design.md", "shared/none.ts", "docs/missing.md"]);
    expect(exists("docs/design.md", ROOT)).toBe(true);
    expect(exists("shared/none.ts", ROOT)).toBe(false);
    expect(exists("functions/notify/*", ROOT)).toBe(true);
    expect(exists("../design.md", join(ROOT, "docs", "runbooks"))).toBe(true);
    expect(exists("docs/runbooks/level-{1,2,3}.md", ROOT)).toBe(true);
    expect(exists("docs/runbooks/level-{1,9}.md", ROOT)).toBe(false);
    expect(exists("docs/runbooks/level-N.md", ROOT)).toBe(true);
    expect(exists("docs/nothing/level-N.md", ROOT)).toBe(false);
    expect(bareDocs("// versions are pinned (PLANS.md); see deploy.md, docs/design.md")).toEqual(["PLANS.md", "deploy.md"]);
    expect(docExists("PLANS.md", ROOT)).toBe(false);
    expect(docExists("deploy.md", join(ROOT, "shared"))).toBe(true);
  });
});
