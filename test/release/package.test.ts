/**
 * The npm package as `npm pack` makes it: `files` ship the bundle bin/oomwatch.js loads, and that
 * bundle runs in the installed layout (no sources, no tsx): --version from package.json, a sandbox
 * scenario found beside the bundle, a query. .ci/run repeats this on a real packed tarball.
 */
import { execFile, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { buildPackageDist, DIST } from "../../scripts/build.ts";
import { syncVersion, withVersion } from "../../scripts/sync-version.ts";
import { VERSION } from "../../shared/version.ts";

const ROOT = join(import.meta.dirname, "../..");
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  version: string;
  license: string;
  private?: boolean;
  bin: Record<string, string>;
  files: string[];
  dependencies: Record<string, string>;
};
const run = promisify(execFile);

describe("npm package", () => {
  let installed: string;
  const oomwatch = (...args: string[]) => run(process.execPath, [join(installed, pkg.bin.oomwatch!), ...args], { cwd: installed, encoding: "utf8" });

  beforeAll(async () => {
    // Under node_modules so the package's one dependency (dynalite) resolves as it does when installed.
    const cache = join(ROOT, "node_modules/.cache");
    mkdirSync(cache, { recursive: true });
    installed = mkdtempSync(join(cache, "oomwatch-package-"));
    await buildPackageDist(join(installed, "dist"));
    // Everything else `files` ships comes from the repository as it is (bin, RBAC manifests, changelog).
    for (const f of pkg.files.filter((f) => !f.startsWith("dist/"))) cpSync(join(ROOT, f), join(installed, f), { recursive: true });
    cpSync(join(ROOT, "package.json"), join(installed, "package.json"));
  }, 120_000);

  it("is publishable and ships the bin and what it loads", () => {
    expect(pkg.private).toBeUndefined();
    // The bundled Kubernetes simulator enforces the shipped RBAC manifests: they ship too.
    expect(pkg.files).toEqual(expect.arrayContaining([pkg.bin.oomwatch, `dist/${DIST.cli.split("/")[0]}/`, `dist/${DIST.scenarios}/`, "forwarder/deploy/", "infra/k8s/"]));
    expect(readFileSync(join(ROOT, pkg.bin.oomwatch!), "utf8")).toContain(`"../dist/${DIST.cli}"`);
    expect(Object.keys(pkg.dependencies)).toEqual(["dynalite"]); // everything else is inside the bundle
  });

  it("runs from the bundle alone: --version is package.json's", async () => {
    expect(existsSync(join(installed, "cli"))).toBe(false);
    const { stdout } = await oomwatch("--version");
    expect(stdout.trim()).toBe(pkg.version);
    expect(VERSION).toBe(pkg.version);
  });

  it("plays a built-in scenario and queries its data dir", async () => {
    const data = join(installed, "data");
    const sandbox = await oomwatch("sandbox", "--scenario", "quiet", "--until-idle", "--speed", "20", "--data-dir", data);
    expect(sandbox.stdout).toContain("scenario expectations met");
    expect(sandbox.stderr).not.toMatch(/Warning/);
    const list = await oomwatch("incidents", "list", "--data-dir", data);
    expect(list.stdout).toContain("no incidents");

    // The Slack view served by the bundle finds its CSS and JS (copied beside it by the build).
    const view = spawn(process.execPath, [join(installed, pkg.bin.oomwatch!), "slack-view", "--port", "0", "--data-dir", data], { cwd: installed });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        view.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          const m = /(http:\/\/\S+\/)/.exec(out);
          if (m) resolve(m[1]!);
        });
        view.once("exit", (code) => reject(new Error(`slack-view exited (${code}) before printing its URL: ${out}`)));
      });
      for (const asset of ["view.js", "view.css"]) {
        const res = await fetch(new URL(`static/${asset}`, url));
        expect(res.status, asset).toBe(200);
        expect((await res.text()).length, asset).toBeGreaterThan(0);
      }
    } finally {
      view.kill();
    }
  }, 120_000);
});

describe("release files", () => {
  it("LICENSE is the full Apache-2.0 text that package.json declares", () => {
    const text = readFileSync(join(ROOT, "LICENSE"), "utf8");
    expect(pkg.license).toBe("Apache-2.0");
    expect(text).toMatch(/^Apache License\nVersion 2\.0, January 2004/);
    expect(text).toContain("9. Accepting Warranty or Additional Liability.");
    expect(text).toContain("END OF TERMS AND CONDITIONS");
  });

  it("CHANGELOG.md has an Unreleased section and one for every version up to package.json's", () => {
    const text = readFileSync(join(ROOT, "CHANGELOG.md"), "utf8");
    expect(text).toMatch(/^## \[Unreleased\]$/m);
    expect(text).toMatch(/^## \[0\.1\.0\] - \d{4}-\d{2}-\d{2}$/m);
    if (pkg.version !== "0.1.0") expect(text).toMatch(new RegExp(`^## \\[${pkg.version.replaceAll(".", "\\.")}\\] - `, "m"));
  });

  it("the image tags in the manifests and docs are package.json's version (scripts/sync-version.ts)", () => {
    expect(syncVersion(VERSION, { check: true })).toEqual([]);
    // The rewrite itself: a bump changes the tag, not its surroundings.
    expect(withVersion("forwarder/deploy/kustomization.yaml", 'images:\n  - name: x\n    newTag: "0.1.0"\n', "1.2.3")).toBe('images:\n  - name: x\n    newTag: "1.2.3"\n');
    expect(() => withVersion("docs/forwarder.md", "no image here", "1.2.3")).toThrow(/no match/);
  });
});
