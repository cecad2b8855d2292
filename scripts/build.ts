/**
 * `npm run build`: the installable package's JavaScript, in dist/ (what `files` in package.json ships).
 *   dist/cli/oomwatch.mjs   the whole CLI (sandbox, queries, forwarder command) in one ESM file; bin/oomwatch.js loads it
 *   dist/cli/static/*       the Slack view's CSS and JS, where the bundled view server serves them from
 *                           (sandbox/slack-view/server.ts resolves `./static/` from the running file)
 *   dist/scenarios/*.yaml   the built-in scenarios, where the bundled scenario loader looks for them
 *                           (sandbox/k8s-sim/scenario.ts resolves `../scenarios` from the running file)
 *   dist/forwarder.mjs      the forwarder image's entry (forwarder/deploy/Dockerfile copies it)
 * Usage: tsx scripts/build.ts [outdir]   (default dist; tests build into a temporary directory)
 */
import { copyFileSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { buildForwarder } from "../forwarder/build.ts";
import { BUNDLE_ALIAS, ESM_REQUIRE_SHIM, NODE_TARGET } from "../shared/function-bundling.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Paths inside the output directory; bin/oomwatch.js and the Dockerfile name the same ones. */
export const DIST = {
  cli: "cli/oomwatch.mjs",
  slackViewStatic: "cli/static",
  scenarios: "scenarios",
  forwarder: "forwarder.mjs",
} as const;

/**
 * Left out of the CLI bundle, so they are the package's only `dependencies`: dynalite keeps the
 * sandbox's tables through classic-level, a native addon (a .node file found next to its package at
 * run time) that cannot be inlined.
 */
export const CLI_EXTERNALS = ["dynalite"] as const;

export async function buildCli(outfile: string): Promise<void> {
  await build({
    entryPoints: [join(ROOT, "cli/main.ts")],
    outfile,
    bundle: true,
    platform: "node",
    target: NODE_TARGET,
    format: "esm",
    external: [...CLI_EXTERNALS],
    // Some bundled dependencies (client-node, AWS SDK internals) are CommonJS and call require().
    banner: { js: ESM_REQUIRE_SHIM },
    alias: { ...BUNDLE_ALIAS },
    minify: false,
    sourcemap: false,
    legalComments: "none",
    logLevel: "warning",
  });
}

/** What the npm package runs: the CLI bundle with the Slack view's assets and the scenarios beside it
 * (package.json `files` adds the shipped RBAC manifests, which the bundled Kubernetes simulator enforces). */
export async function buildPackageDist(outdir: string): Promise<void> {
  await buildCli(join(outdir, DIST.cli));
  copyFiles(join(ROOT, "sandbox/scenarios"), join(outdir, DIST.scenarios), (n) => n.endsWith(".yaml"));
  copyFiles(join(ROOT, "sandbox/slack-view/static"), join(outdir, DIST.slackViewStatic), () => true);
}

function copyFiles(from: string, to: string, keep: (name: string) => boolean): void {
  mkdirSync(to, { recursive: true });
  for (const f of readdirSync(from).filter(keep)) copyFileSync(join(from, f), join(to, f));
}

/** Everything: a fresh outdir with the package's files and the forwarder image's bundle. */
export async function buildDist(outdir: string): Promise<void> {
  rmSync(outdir, { recursive: true, force: true });
  await Promise.all([buildPackageDist(outdir), buildForwarder(join(outdir, DIST.forwarder))]);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  await buildDist(resolve(process.argv[2] ?? join(ROOT, "dist")));
}
