/**
 * The Lambda bundles as the CDK app builds them (shared/function-bundling.ts): within issue 13's size
 * budget, and carrying only what each function uses: zod/mini with its English messages (not classic
 * zod, not every locale), the SDK clients the function creates, and Lambda's environment credentials
 * instead of the SDK's whole default chain. bench/cold-start.ts measures the same bundles' start.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build, type Metafile } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COLD_START_TARGETS } from "../../bench/cold-start.ts";
import { FUNCTION_BUNDLING, functionEsbuildOptions } from "../../shared/function-bundling.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const FUNCTIONS = ["ingest", "analyze", "notify", "resolve"] as const;
type Fn = (typeof FUNCTIONS)[number];

/** The SDK client packages each function's code creates or receives (functions/<fn>/handler.ts). */
const SDK_CLIENTS: Record<Fn, string[]> = {
  ingest: ["client-dynamodb", "client-sqs"],
  resolve: ["client-dynamodb", "client-sqs"],
  analyze: ["client-dynamodb", "client-secrets-manager", "client-sqs"],
  // Secrets Manager: Powertools' getSecret reads the Slack token.
  notify: ["client-dynamodb", "client-eventbridge", "client-secrets-manager", "client-sqs"],
};

let dir: string;
const built = new Map<Fn, { kib: number; inputs: string[]; code: string }>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "oomwatch-bundles-"));
  for (const fn of FUNCTIONS) {
    const options = functionEsbuildOptions(join(ROOT, "functions", fn, "handler.ts"), join(dir, fn));
    const { metafile } = await build({ ...options, metafile: true });
    built.set(fn, { kib: statSync(options.outfile).size / 1024, inputs: inputsOf(metafile), code: readFileSync(options.outfile, "utf8") });
  }
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every input that put bytes into the output, as a path from node_modules on (or the repository file). */
function inputsOf(metafile: Metafile): string[] {
  return Object.values(metafile.outputs).flatMap((o) => Object.entries(o.inputs).filter(([, i]) => i.bytesInOutput > 0).map(([path]) => path.replace(/^.*node_modules\//, "")));
}

const of = (fn: Fn) => {
  const b = built.get(fn);
  if (!b) throw new Error(`${fn} was not built`);
  return b;
};

describe("the functions' esbuild options", () => {
  it("replace the SDK's default credential chain with Lambda's environment credentials, in the CDK app's flags too", () => {
    const credentials = join(ROOT, "shared/clients/lambda-credentials.ts");
    expect(existsSync(credentials)).toBe(true);
    expect(functionEsbuildOptions("/src/functions/ingest/handler.ts", "/out/ingest").alias).toMatchObject({ "@aws-sdk/credential-provider-node": credentials });
    expect(FUNCTION_BUNDLING.esbuildArgs).toMatchObject({ "--alias:@aws-sdk/credential-provider-node": credentials });
  });

  it("give analyze yaml's ES module build", () => {
    expect(functionEsbuildOptions("/src/functions/analyze/handler.ts", "/out/analyze").alias?.yaml).toMatch(/\/node_modules\/yaml\/browser\/dist\/index\.js$/);
    expect(FUNCTION_BUNDLING.esbuildArgs["--alias:yaml"]).toMatch(/\/node_modules\/yaml\/browser\/dist\/index\.js$/);
  });
});

describe.each(FUNCTIONS)("the %s bundle", (fn) => {
  it(`is at most ${COLD_START_TARGETS.bundleKiB} KiB`, () => {
    expect(of(fn).kib).toBeLessThanOrEqual(COLD_START_TARGETS.bundleKiB);
  });

  it("carries zod/mini with the English messages only", () => {
    const zod = of(fn).inputs.filter((i) => i.startsWith("zod/"));
    expect(zod.some((i) => i.startsWith("zod/v4/mini/"))).toBe(true);
    expect(zod.filter((i) => i.startsWith("zod/v4/classic/"))).toEqual([]);
    expect(zod.filter((i) => i.startsWith("zod/v4/locales/"))).toEqual(["zod/v4/locales/en.js"]);
  });

  it("carries the SDK clients the function uses and no credential chain but Lambda's environment", () => {
    const clients = new Set(of(fn).inputs.flatMap((i) => /^@aws-sdk\/(client-[a-z-]+)\//.exec(i)?.[1] ?? []));
    expect([...clients].sort()).toEqual(SDK_CLIENTS[fn]);
    // Only the environment provider: no profiles, SSO, web identity, container or instance metadata.
    const chain = of(fn).inputs.filter((i) => /^@aws-sdk\/(credential-provider-(?!env\/)|nested-clients\/|token-providers\/)/.test(i));
    expect(chain).toEqual([]);
    expect(of(fn).inputs).toContain("shared/clients/lambda-credentials.ts");
  });

  it("does not import node:http as an ES module at load (Node then loads its undici for the WebSocket exports)", () => {
    expect(of(fn).code.match(/\bfrom\s*["'](node:)?http["']/g) ?? []).toEqual([]);
  });
});

/** Bundles `exports` of `module` (a repository path) as a function is bundled, and imports the result. */
async function bundled<T>(name: string, module: string, exports: string): Promise<T> {
  const entry = join(dir, `${name}-entry.ts`);
  writeFileSync(entry, `export { ${exports} } from ${JSON.stringify(join(ROOT, module))};\n`);
  const options = functionEsbuildOptions(entry, join(dir, name));
  await build(options);
  return (await import(pathToFileURL(options.outfile).href)) as T;
}

describe("bundled schemas", () => {
  it("report zod's English messages, which zod/mini loads only when configured", async () => {
    // The bundle has its own copy of zod: the test process's zod configuration does not reach it.
    const { validateOccurrence } = await bundled<typeof import("../../functions/ingest/validate.ts")>("validate", "functions/ingest/validate.ts", "validateOccurrence");
    const v = validateOccurrence(JSON.stringify({ version: 1, key: 5, kind: "ContainerOOM" }));
    expect(v).toMatchObject({ ok: false, code: "SCHEMA" });
    expect(v.ok ? "" : v.reason).toContain("Invalid input: expected string, received number");
  });
});

describe("bundled kubeconfig reader", () => {
  it("parses a YAML kubeconfig with the aliased yaml build", async () => {
    const { parseKubeconfig } = await bundled<typeof import("../../shared/clients/kubeconfig.ts")>("kubeconfig", "shared/clients/kubeconfig.ts", "parseKubeconfig");
    const yaml = "current-context: c\ncontexts:\n  - name: c\n    context: { cluster: k, user: u }\nclusters:\n  - name: k\n    cluster: { server: 'https://k.example' }\nusers:\n  - name: u\n    user: { token: t0ken }\n";
    expect(await parseKubeconfig(yaml, "kubeconfig.yaml")).toEqual({ server: "https://k.example", token: "t0ken" });
  });
});
