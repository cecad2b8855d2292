/**
 * Bundles the forwarder into one ESM file for the container image
 * (`node --import tsx forwarder/build.ts [outfile]`, default dist/forwarder.mjs).
 * Some dependencies are CommonJS and call require(): the banner provides it.
 */
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

export async function buildForwarder(outfile: string): Promise<void> {
  await build({
    entryPoints: [fileURLToPath(new URL("./main.ts", import.meta.url))],
    outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    minify: false,
    sourcemap: false,
    legalComments: "none",
    logLevel: "warning",
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildForwarder(process.argv[2] ?? "dist/forwarder.mjs");
}
