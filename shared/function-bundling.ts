/**
 * How the Lambda functions are bundled, as plain data: the CDK app's NodejsFunction
 * `bundling` props (infra/constructs/pipeline-function.ts) and anything that must build
 * the identical bundle without CDK (bench/cold-start.ts) read this one definition.
 * No aws-cdk-lib import here, so reading it stays cheap.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BuildOptions } from "esbuild";

/** The handlers are ESM; some bundled dependencies (client-node, AWS SDK internals) still call `require`. */
export const ESM_REQUIRE_SHIM =
  "import { createRequire as __oomwatchCreateRequire } from 'module'; const require = __oomwatchCreateRequire(import.meta.url);";

/**
 * Module aliases for every bundle (functions, CLI, forwarder). tr46 (under client-node's node-fetch)
 * requires Node's built-in `punycode`, deprecated with a runtime warning on Node 22 for code outside
 * node_modules, which a bundle is; the npm package of the same name has the same API and no warning.
 */
export const BUNDLE_ALIAS: Readonly<Record<string, string>> = { punycode: "punycode/" };

/**
 * Module aliases for the Lambda functions only (absolute paths: CDK runs esbuild in the project root,
 * the benchmark wherever it is started):
 * - the SDK's default credential chain becomes the environment variables Lambda sets from the
 *   execution role (shared/clients/lambda-credentials.ts says why): about 90 KiB less per function.
 *   Not for the CLI (profiles, SSO) nor the forwarder (IRSA, Pod Identity), which need the whole chain;
 * - `yaml` (analyze's YAML kubeconfigs) is its ES module build, the package's export for other
 *   platforms than Node: the same parser, which esbuild bundles 9 KiB smaller than the CommonJS build
 *   Node's condition selects (analyze's room under 500 KiB). It finds `Buffer` by a feature check,
 *   and writes YAML warnings with console.warn instead of process.emitWarning.
 */
export const FUNCTION_ALIAS: Readonly<Record<string, string>> = {
  "@aws-sdk/credential-provider-node": fileURLToPath(new URL("./clients/lambda-credentials.ts", import.meta.url)),
  yaml: join(dirname(createRequire(import.meta.url).resolve("yaml/package.json")), "browser/dist/index.js"),
};

/** The Node release every bundle targets: the Lambda runtime (nodejs22.x), the forwarder image, the CLI. */
export const NODE_TARGET = "node22";

/** NodejsFunction `bundling` values, spreadable into its props (set `format: OutputFormat.ESM` there: CDK's enum of "esm"). */
export interface FunctionBundling {
  format: "esm";
  target: string;
  mainFields: string[];
  banner: string;
  minify: boolean;
  sourceMap: boolean;
  sourcesContent: boolean;
  bundleAwsSDK: boolean;
  /** Extra esbuild flags: BUNDLE_ALIAS and FUNCTION_ALIAS as `--alias:name` entries. */
  esbuildArgs: Record<string, string>;
}

export const FUNCTION_BUNDLING: Readonly<FunctionBundling> = {
  format: "esm",
  target: NODE_TARGET,
  mainFields: ["module", "main"],
  banner: ESM_REQUIRE_SHIM,
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  /** The AWS SDK versions are pinned in package.json: ship those, not the runtime's (so no externals). */
  bundleAwsSDK: true,
  esbuildArgs: Object.fromEntries(Object.entries({ ...BUNDLE_ALIAS, ...FUNCTION_ALIAS }).map(([k, v]) => [`--alias:${k}`, v])),
};

/** Environment NodejsFunction sets for every function. */
export const FUNCTION_NODE_OPTIONS = "--enable-source-maps";

/**
 * The esbuild options NodejsFunction derives from FUNCTION_BUNDLING (aws-cdk-lib's
 * `buildEsbuildArgs`: --bundle --platform=node --target --format --outfile --minify
 * --sourcemap --sources-content=false --banner:js --main-fields, plus esbuildArgs: the aliases), for `esbuild.build`.
 * The output is `index.mjs`, as NodejsFunction names ESM bundles.
 */
export function functionEsbuildOptions(entry: string, outdir: string): BuildOptions & { outfile: string } {
  const b = FUNCTION_BUNDLING;
  return {
    entryPoints: [entry],
    outfile: `${outdir.replace(/\/+$/, "")}/index.mjs`,
    bundle: true,
    platform: "node",
    target: b.target,
    format: b.format,
    minify: b.minify,
    sourcemap: b.sourceMap,
    sourcesContent: b.sourcesContent,
    banner: { js: b.banner },
    mainFields: [...b.mainFields],
    alias: { ...BUNDLE_ALIAS, ...FUNCTION_ALIAS },
    logLevel: "warning",
  };
}
