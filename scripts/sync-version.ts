/**
 * Writes the package.json version into the places that name a release by hand: the forwarder
 * image tag in forwarder/deploy/kustomization.yaml and in the docs. npm runs it from the `version`
 * script, so `npm version 0.2.0` bumps package.json and these in one commit; a test fails while any
 * of them disagrees with package.json.
 * Usage: tsx scripts/sync-version.ts [--check]   (--check: list stale files, exit 1, write nothing)
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { VERSION } from "../shared/version.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SEMVER = String.raw`\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?`;

/** File -> patterns whose `(prefix)(version)` is a release version; each must match at least once. */
export const VERSIONED: Readonly<Record<string, RegExp[]>> = {
  "forwarder/deploy/kustomization.yaml": [new RegExp(`(newTag: ")(${SEMVER})`, "g")],
  "docs/deploy.md": [new RegExp(`(oomwatch-forwarder:)(${SEMVER})`, "g"), new RegExp(`(newTag: ")(${SEMVER})`, "g")],
  "docs/forwarder.md": [new RegExp(`(oomwatch-forwarder:)(${SEMVER})`, "g")],
};

/** The file's text with every versioned reference set to `version`; throws when a pattern no longer matches. */
export function withVersion(file: string, text: string, version: string): string {
  let out = text;
  for (const re of VERSIONED[file] ?? []) {
    if (!out.match(re)) throw new Error(`${file}: no match for ${re} (update scripts/sync-version.ts)`);
    out = out.replace(re, (_m, prefix: string) => `${prefix}${version}`);
  }
  return out;
}

/** Files whose references differ from `version`; written unless `check`. */
export function syncVersion(version: string, { root = ROOT, check = false } = {}): string[] {
  const stale: string[] = [];
  for (const file of Object.keys(VERSIONED)) {
    const path = join(root, file);
    const text = readFileSync(path, "utf8");
    const next = withVersion(file, text, version);
    if (next === text) continue;
    stale.push(file);
    if (!check) writeFileSync(path, next);
  }
  return stale;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const check = process.argv.includes("--check");
  const stale = syncVersion(VERSION, { check });
  if (check && stale.length > 0) {
    console.error(`not at version ${VERSION}: ${stale.join(", ")} (run npx tsx scripts/sync-version.ts)`);
    process.exit(1);
  }
  for (const f of stale) console.log(`${f} -> ${VERSION}`);
}
