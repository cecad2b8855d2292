/**
 * Layers point one way: functions and the forwarder use shared/; no function imports
 * another function or the forwarder; shared/ imports neither; the domain does not
 * import storage. (The sandbox, bench and tests may import anything.)
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .map((f) => join(dir, f));
}

/** Repository-relative targets of a file's relative imports. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  return [...text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)].map((m) => relative(ROOT, resolve(ROOT, dirname(file), m[1]!)));
}

/** The part a file belongs to: `functions/<name>`, `forwarder`, `shared/domain`, `shared`, ... */
function partOf(path: string): string {
  const [top, second] = path.split("/");
  if (top === "functions") return `functions/${second}`;
  if (top === "shared" && (second === "domain" || second === "storage")) return `shared/${second}`;
  return top!;
}

function violations(dirs: string[], forbidden: (from: string, to: string) => boolean): string[] {
  return dirs.flatMap(sources).flatMap((file) => importsOf(file).filter((to) => forbidden(partOf(file), partOf(to))).map((to) => `${file} -> ${to}`));
}

describe("layers", () => {
  test("no function imports another function or the forwarder", () => {
    expect(violations(["functions"], (from, to) => (to.startsWith("functions/") && to !== from) || to === "forwarder")).toEqual([]);
  });

  test("the forwarder imports no function", () => {
    expect(violations(["forwarder"], (_from, to) => to.startsWith("functions/"))).toEqual([]);
  });

  test("shared imports neither functions nor the forwarder nor the sandbox", () => {
    expect(violations(["shared"], (_from, to) => to.startsWith("functions/") || to === "forwarder" || to === "sandbox")).toEqual([]);
  });

  test("the domain does not import storage", () => {
    expect(violations(["shared/domain"], (_from, to) => to === "shared/storage")).toEqual([]);
  });

  test("the check sees an import that crosses a layer", () => {
    expect(partOf("functions/analyze/enrich.ts")).toBe("functions/analyze");
    expect(importsOf("functions/analyze/enrich.ts")).toContain("shared/k8s/snapshot.ts");
    expect(violations(["functions"], (_from, to) => to === "shared")).not.toEqual([]);
  });
});
