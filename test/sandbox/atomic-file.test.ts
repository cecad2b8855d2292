import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeFileAtomic } from "../../sandbox/atomic-file.ts";

const dir = mkdtempSync(join(tmpdir(), "oomwatch-atomic-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("writeFileAtomic", () => {
  it("replaces the file whole, with the mode asked for, and leaves no temporary file", () => {
    const path = join(dir, "state.json");
    writeFileAtomic(path, "first");
    writeFileAtomic(path, Buffer.from("second"), 0o600);
    expect(readFileSync(path, "utf8")).toBe("second");
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(["state.json"]);
  });

  it("when the rename fails, leaves the target as it was and no temporary file behind", () => {
    // A non-empty directory cannot be replaced by a rename: the temporary file is written, then refused.
    const blocked = join(dir, "blocked");
    mkdirSync(blocked);
    writeFileSync(join(blocked, "inside"), "kept");
    expect(() => writeFileAtomic(blocked, "new")).toThrow();
    expect(readFileSync(join(blocked, "inside"), "utf8")).toBe("kept");
    expect(readdirSync(dir).sort()).toEqual(["blocked", "state.json"]);
  });
});
