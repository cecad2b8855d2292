/**
 * Four test projects, chosen by path so test files never move between folders:
 *
 * - `unit`: pure functions and in-memory classes; no emulators, no servers, no child
 *   processes. The inner loop: `npm run test:unit` (seconds).
 * - `faults`: the whole sandbox pipeline under injected faults (test/faults).
 * - `e2e`: `oomwatch sandbox` end to end (test/sandbox).
 * - `integration`: everything else, on the shared SQS/DynamoDB emulators the global setup
 *   starts. A new test file lands here unless it is listed under UNIT: the safe default,
 *   since only this project has the emulators.
 *
 * `npm test` runs all four.
 */
import { configDefaults, defineConfig } from "vitest/config";

/** Tests that need nothing but the code under test. Add a file here when it is one of them. */
const UNIT = [
  "test/bench/bench-units.test.ts",
  "test/cli/hints.test.ts",
  "test/cli/stats.test.ts",
  "test/contention-retry.test.ts",
  "test/display/**/*.test.ts",
  "test/domain/**/*.test.ts",
  "test/evidence-redaction.test.ts",
  "test/forwarder/detect.test.ts",
  "test/forwarder/early-warning-episodes.test.ts",
  "test/forwarder/interner.test.ts",
  "test/forwarder/sampler-top.test.ts",
  "test/forwarder/message.test.ts",
  "test/forwarder/units.test.ts",
  "test/functions/lambda-credentials.test.ts",
  "test/infra/config.test.ts",
  "test/infra/k8s-access.test.ts",
  "test/analyze/kubeconfig.test.ts",
  "test/ingest/trigger.test.ts",
  "test/report/latency.test.ts",
  "test/k8s-sim/factories.test.ts",
  "test/k8s-sim/scenario-validation.test.ts",
  "test/notify/runbooks.test.ts",
  "test/notify/units.test.ts",
  "test/package-imports.test.ts",
  "test/queries/plan.test.ts",
  "test/readme-configuration.test.ts",
  "test/runner/batch-response.test.ts",
  "test/runner/record-tracker.test.ts",
];
const FAULTS = ["test/faults/**/*.test.ts"];
const E2E = ["test/sandbox/**/*.test.ts"];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // 2 cores: integration tests share one emulator pair; keep worker count modest.
    maxWorkers: 2,
    fileParallelism: true,
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: UNIT,
          // No global setup: a unit test that reaches for the emulators fails in createTestAws.
          testTimeout: 10_000,
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/**/*.test.ts"],
          exclude: [...configDefaults.exclude, ...UNIT, ...FAULTS, ...E2E],
          globalSetup: ["test/support/global-setup.ts"],
        },
      },
      // The fault and e2e runs start their own emulators inside the sandbox pipeline.
      { extends: true, test: { name: "faults", include: FAULTS } },
      { extends: true, test: { name: "e2e", include: E2E } },
    ],
  },
});
