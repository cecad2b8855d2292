/**
 * Bundles the forwarder into one ESM file for the container image
 * (`node --import tsx forwarder/build.ts [outfile]`, default dist/forwarder.mjs).
 * Some dependencies are CommonJS and call require(): the banner provides it.
 */
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { BUNDLE_ALIAS, ESM_REQUIRE_SHIM, NODE_TARGET } from "../shared/function-bundling.ts";

export async function buildForwarder(outfile: string): Promise<void> {
  await build({
    entryPoints: [fileURLToPath(new URL("./main.ts", import.meta.url))],
    outfile,
    bundle: true,
    platform: "node",
    target: NODE_TARGET,
    format: "esm",
    // The source text stays in memory for the process's life (8.8 MB unminified): whitespace and
    // syntax minification halve it; identifiers are kept so stack traces stay readable.
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: false,
    legalComments: "none",
    logLevel: "warning",
    banner: { js: ESM_REQUIRE_SHIM },
    alias: { ...BUNDLE_ALIAS },
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildForwarder(process.argv[2] ?? "dist/forwarder.mjs");
}
