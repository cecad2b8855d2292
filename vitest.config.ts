import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // 2 cores: integration tests share one emulator pair; keep worker count modest.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
