// One Lambda cold start in a fresh Node process (run by bench/cold-start.ts, plain
// node, no loader): import the bundle (init), invoke its handler once, print timings.
//   node cold-start-harness.mjs <bundle.mjs> <event.json>
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [bundle, eventFile] = process.argv.slice(2);
const event = JSON.parse(readFileSync(eventFile, "utf8"));
const context = {
  functionName: "bench",
  functionVersion: "$LATEST",
  invokedFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:bench",
  memoryLimitInMB: "512",
  awsRequestId: "00000000-0000-0000-0000-000000000000",
  logGroupName: "/aws/lambda/bench",
  logStreamName: "bench",
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 30_000,
  done() {},
  fail() {},
  succeed() {},
};

const bootMs = performance.now(); // since the process started: Node's own startup
const mod = await import(pathToFileURL(bundle).href);
const initMs = performance.now() - bootMs;
const response = await mod.handler(event, context);
const invokeMs = performance.now() - bootMs - initMs;
const failures = Array.isArray(response?.batchItemFailures) ? response.batchItemFailures.length : -1;
process.stdout.write(`\nBENCH_RESULT ${JSON.stringify({ bootMs, initMs, invokeMs, failures })}\n`);
process.exit(0);
