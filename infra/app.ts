/**
 * CDK entry point (cdk.json: `npx tsx infra/app.ts`). Environment-agnostic and lookup-free:
 * `npm run synth` works offline. Settings: `-c oomwatch:<key>=<value>` (see docs/deploy.md).
 */
import { buildOomwatchApp } from "./build-app.ts";

try {
  buildOomwatchApp().app.synth();
} catch (error) {
  // A settings or entry problem: print the message alone, not a stack trace through CDK internals.
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
