/**
 * The tests run on the production runtime: Node 22, as the Lambda functions (nodejs22.x) and the
 * forwarder image. `npm test` gets it from the devDependency `node` (npm puts node_modules/.bin first
 * on PATH); running vitest with another Node fails here rather than passing on the wrong runtime.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FUNCTION_BUNDLING, NODE_TARGET } from "../shared/function-bundling.ts";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  engines: { node: string };
  devDependencies: Record<string, string>;
};

describe("Node runtime", () => {
  it("the vitest worker runs Node 22", () => {
    console.log(`vitest worker: node ${process.version}`);
    expect(process.versions.node.split(".")[0]).toBe("22");
  });

  it("is the exact Node the lock file pins, and engines asks for 22", () => {
    expect(process.versions.node).toBe(pkg.devDependencies.node);
    expect(pkg.engines.node).toBe(">=22");
    expect(pkg.devDependencies["@types/node"]?.split(".")[0]).toBe("22");
  });

  it("every bundle targets that Node (functions, CLI, forwarder), and the image runs it", () => {
    const major = process.versions.node.split(".")[0];
    expect(FUNCTION_BUNDLING.target).toBe(`node${major}`);
    expect(NODE_TARGET).toBe(`node${major}`);
    expect(readFileSync(new URL("../forwarder/deploy/Dockerfile", import.meta.url), "utf8")).toMatch(new RegExp(`^FROM \\S+/nodejs${major}-`, "m"));
  });

  it("dynalite's native LevelDB addon (classic-level) loads and stores on this Node, whatever Node ran npm ci", async () => {
    // classic-level ships N-API prebuilds: the binary does not depend on the Node that installed it.
    const fromDynalite = createRequire(createRequire(import.meta.url).resolve("dynalite"));
    const { Level } = fromDynalite("level") as {
      Level: new (path: string) => { open(): Promise<void>; put(k: string, v: string): Promise<void>; get(k: string): Promise<string>; close(): Promise<void> };
    };
    const db = new Level(join(mkdtempSync(join(tmpdir(), "level-")), "db"));
    await db.open();
    await db.put("k", "v");
    expect(await db.get("k")).toBe("v");
    await db.close();
  });
});
