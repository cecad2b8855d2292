import { defineConfig } from "vitest/config";

// The browser suite (`npm run test:browser`): real headless Chromium against the local Slack view.
// Kept out of `npm test` (whose include is test/**/*.test.ts) by the `.browser.ts` suffix.
export default defineConfig({
  test: {
    include: ["test/browser/**/*.browser.ts"],
    // One sandbox and one browser at a time: the machine has 2 cores.
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
