#!/usr/bin/env node
// The `oomwatch` command. An installed package runs the bundle (dist/cli/oomwatch.mjs, built by
// `npm run build`). A clone runs the TypeScript sources through tsx instead, so `npx oomwatch` works
// right after `npm ci` with no build step and never runs a bundle older than the sources.
import { existsSync } from "node:fs";

const sources = new URL("../cli/main.ts", import.meta.url);

async function sourceEntry() {
  if (!existsSync(sources)) return undefined;
  try {
    const { register } = await import("tsx/esm/api");
    register();
  } catch {
    return undefined; // sources without dev dependencies (e.g. installed from git): use the bundle
  }
  return import(sources.href);
}

const { main } = (await sourceEntry()) ?? (await import("../dist/cli/oomwatch.mjs"));
await main(process.argv);
