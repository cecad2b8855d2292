/**
 * Bundles the forwarder into one ESM file for the container image
 * (`node --import tsx forwarder/build.ts [outfile]`, default dist/forwarder.mjs).
 * Some dependencies are CommonJS and call require(): the banner provides it.
 */
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";
import { BUNDLE_ALIAS, ESM_REQUIRE_SHIM, NODE_TARGET } from "../shared/function-bundling.ts";

/**
 * Packages the forwarder may leave out when it uses none of their exports, although their
 * package.json does not say `sideEffects: false`: lib-dynamodb (imported by shared/clients/aws.ts
 * next to the SQS client, the only one the forwarder uses) would otherwise keep the whole
 * DynamoDB client in the bundle, and its code in the forwarder's memory.
 */
const SIDE_EFFECT_FREE = ["@aws-sdk/lib-dynamodb"];

const sideEffectFree: Plugin = {
  name: "side-effect-free",
  setup(b) {
    const filter = new RegExp(`^(${SIDE_EFFECT_FREE.join("|")})(/|$)`);
    b.onResolve({ filter }, async (args) => {
      if (args.pluginData === sideEffectFree) return undefined;
      const resolved = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: sideEffectFree });
      return resolved.errors.length ? undefined : { ...resolved, sideEffects: false };
    });
  },
};

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
    plugins: [sideEffectFree],
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildForwarder(process.argv[2] ?? "dist/forwarder.mjs");
}
