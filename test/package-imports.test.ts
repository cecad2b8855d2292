/**
 * Every package the code imports is declared in package.json; what an installed package runs is a
 * bundle, so `dependencies` holds only what the CLI bundle leaves external. Build-only packages (CDK, cdk-nag) stay devDependencies
 * as long as nothing that runs imports them.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { CLI_EXTERNALS } from "../scripts/build.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };

/** Where the repository's own code lives (node_modules and generated output are not ours). */
const CODE_DIRS = ["bench", "bin", "cli", "forwarder", "functions", "infra", "sandbox", "shared", "test"];
/** What runs after a production install: the CLI's entry, the Lambda entries, the forwarder's entry. */
const RUNTIME_ENTRIES = ["cli/main.ts", "functions/ingest/handler.ts", "functions/analyze/handler.ts", "functions/notify/handler.ts", "forwarder/main.ts"];
const BUILD_ONLY = ["aws-cdk-lib", "cdk-nag", "constructs"];

interface Import {
  spec: string;
  typeOnly: boolean;
}

/** Static and dynamic imports and re-exports of a file; `import type` / `export type` are type-only. */
function importsIn(text: string): Import[] {
  const out: Import[] = [];
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^"';]*?\bfrom\s*["']([^"']+)["']/gms)) out.push({ spec: m[3]!, typeOnly: Boolean(m[2]) });
  for (const m of text.matchAll(/^\s*import\s*["']([^"']+)["']/gm)) out.push({ spec: m[1]!, typeOnly: false });
  for (const m of text.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) out.push({ spec: m[1]!, typeOnly: false });
  return out;
}

/** `@scope/name/sub` -> `@scope/name`, `name/sub` -> `name`; undefined for relative paths and Node built-ins. */
function packageOf(spec: string): string | undefined {
  if (spec.startsWith(".") || spec.startsWith("/") || spec.startsWith("node:")) return undefined;
  const parts = spec.split("/");
  const name = spec.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]!;
  return builtinModules.includes(name) ? undefined : name;
}

function codeFiles(): string[] {
  return CODE_DIRS.flatMap((dir) =>
    readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" })
      .filter((f) => /\.(ts|js|mjs)$/.test(f) && !f.includes("node_modules"))
      .map((f) => join(dir, f)),
  );
}

/** Files reachable from the entries through non-type relative imports. */
function runtimeClosure(entries: string[]): string[] {
  const seen = new Set<string>();
  const queue = [...entries];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const i of importsIn(readFileSync(join(ROOT, file), "utf8"))) {
      if (i.typeOnly || !i.spec.startsWith(".")) continue;
      const target = relative(ROOT, resolve(ROOT, dirname(file), i.spec));
      if (statSync(join(ROOT, target), { throwIfNoEntry: false })?.isFile()) queue.push(target);
    }
  }
  return [...seen];
}

const declared = (name: string) => name in pkg.dependencies || name in pkg.devDependencies;

describe("package.json declares what the code imports", () => {
  test("every imported package is declared (a type-only import may come from @types)", () => {
    const missing = codeFiles().flatMap((file) =>
      importsIn(readFileSync(join(ROOT, file), "utf8")).flatMap((i) => {
        const name = packageOf(i.spec);
        if (!name || declared(name) || (i.typeOnly && declared(`@types/${name}`))) return [];
        return [`${file}: ${name}`];
      }),
    );
    expect(missing).toEqual([]);
  });

  test("what an installed package runs is the bundle: only what the bundle leaves external is a dependency", () => {
    // The CLI, the Lambda functions and the forwarder image all run esbuild bundles (scripts/build.ts,
    // shared/function-bundling.ts), so their packages are build inputs (devDependencies); a package the
    // CLI bundle cannot carry (a native addon) must be installed with it.
    const files = runtimeClosure(RUNTIME_ENTRIES);
    expect(files).toContain("sandbox/run.ts");
    const undeclared = files.flatMap((file) =>
      importsIn(readFileSync(join(ROOT, file), "utf8")).flatMap((i) => {
        const name = packageOf(i.spec);
        return name && !i.typeOnly && !declared(name) ? [`${file}: ${name}`] : [];
      }),
    );
    expect(undeclared).toEqual([]);
    expect(Object.keys(pkg.dependencies).sort()).toEqual([...CLI_EXTERNALS].sort());
  });

  test("build-only packages are devDependencies, and nothing that runs imports them", () => {
    for (const name of BUILD_ONLY) expect({ name, dependency: name in pkg.dependencies, devDependency: name in pkg.devDependencies }).toEqual({ name, dependency: false, devDependency: true });
  });

  test("the scanner sees static, re-exported, side-effect and dynamic imports, and tells type-only ones apart", () => {
    const text = 'import type { A } from "aws-lambda";\nimport {\n  b,\n} from "@aws-sdk/client-sqs";\nexport { c } from "./c.ts";\nimport "zod/v4";\nconst d = await import("tsx/esm/api");\n';
    expect(importsIn(text)).toEqual(
      expect.arrayContaining([
        { spec: "aws-lambda", typeOnly: true },
        { spec: "@aws-sdk/client-sqs", typeOnly: false },
        { spec: "./c.ts", typeOnly: false },
        { spec: "zod/v4", typeOnly: false },
        { spec: "tsx/esm/api", typeOnly: false },
      ]),
    );
    expect(["@aws-sdk/client-sqs", "zod/v4", "node:fs", "fs", "./x.ts"].map(packageOf)).toEqual(["@aws-sdk/client-sqs", "zod", undefined, undefined, undefined]);
  });
});
