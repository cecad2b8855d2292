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
// The emulators listen on plain HTTP, so the SDK's first call would import node:http, and as an ES
// module that loads Node's bundled undici: 20 to 30 ms that Lambda does not charge the handler, whose
// AWS endpoints are all HTTPS (the functions import node:http only for a plain-HTTP Kubernetes API,
// test/functions/bundles.test.ts). So node:https, which every bundle imports (the SDK), is loaded
// first and counted as init; node:http on top of it is loaded before the clock and reported apart.
await import("node:https");
const httpsLoadMs = performance.now() - bootMs;
const httpStarted = performance.now();
await import("node:http");
const httpLoadMs = performance.now() - httpStarted;
const started = performance.now();
const mod = await import(pathToFileURL(bundle).href);
const loaded = performance.now();
const initMs = httpsLoadMs + (loaded - started);
const response = await mod.handler(event, context);
const invokeMs = performance.now() - loaded;
const failures = Array.isArray(response?.batchItemFailures) ? response.batchItemFailures.length : -1;
process.stdout.write(`\nBENCH_RESULT ${JSON.stringify({ bootMs, httpLoadMs, initMs, invokeMs, failures })}\n`);
process.exit(0);
