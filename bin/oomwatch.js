#!/usr/bin/env node
// Runs the TypeScript CLI directly (tsx), so `npx oomwatch` works right after `npm ci`, no build step.
import { register } from "tsx/esm/api";

// The SDK's "Node 22 soon" notice would precede every line we print; versions are pinned (docs/design.md "Versions").
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
register();
const { main } = await import("../cli/main.ts");
await main(process.argv);
