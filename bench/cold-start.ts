/**
 * Benchmark 3 — Lambda cold start: each function bundled exactly as the CDK app bundles
 * it (shared/function-bundling.ts), its size, and init + first invocation in a fresh
 * `node` process (bench/cold-start-harness.mjs) with the deployed NODE_OPTIONS, against
 * the local emulators. Median of 5 runs, also as a ratio to a bare `node -e 0`.
 */
import { execFile } from "node:child_process";
import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { SQSEvent } from "aws-lambda";
import { build, type Metafile } from "esbuild";
import { createQueues, createTables, startLocalAws } from "../sandbox/local-aws.ts";
import { FUNCTION_NODE_OPTIONS, functionEsbuildOptions } from "../shared/function-bundling.ts";
import type { FunctionId } from "../shared/resources.ts";
import { measured, median, type BenchOptions, type BenchResult } from "./results.ts";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const HARNESS = fileURLToPath(new URL("./cold-start-harness.mjs", import.meta.url));
const FUNCTIONS: FunctionId[] = ["ingest", "analyze", "notify"];

/** Issue 13's targets per function; test/functions/bundles.test.ts holds every function bundle to the size. */
export const COLD_START_TARGETS = { bundleKiB: 500, initMs: 150 } as const;

interface ColdStart {
  wallMs: number;
  bootMs: number;
  /** node:http on top of node:https, for the emulators' plain-HTTP endpoints: before the clock (cold-start-harness.mjs). */
  httpLoadMs: number;
  initMs: number;
  invokeMs: number;
  failures: number;
}

/** One SQS record whose body is not JSON: every handler rejects it without side effects on other records. */
function poisonEvent(queueArn: string): SQSEvent {
  const now = String(Date.now());
  return {
    Records: [
      {
        messageId: "00000000-0000-4000-8000-000000000001",
        receiptHandle: "bench",
        body: "not json",
        attributes: { ApproximateReceiveCount: "1", SentTimestamp: now, SenderId: "bench", ApproximateFirstReceiveTimestamp: now },
        messageAttributes: {},
        md5OfBody: "",
        eventSource: "aws:sqs",
        eventSourceARN: queueArn,
        awsRegion: "us-east-1",
      },
    ],
  };
}

/** The packages that contribute most bytes to the output, e.g. "@aws-sdk 310 KiB, zod 120 KiB". */
function largestPackages(metafile: Metafile, n: number): string {
  const bytes = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const name = match ? (match[1]!.startsWith("@aws-sdk/") || match[1]!.startsWith("@smithy/") ? match[1]!.split("/")[0]! : match[1]!) : "oomwatch";
      bytes.set(name, (bytes.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...bytes.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, b]) => `${name} ${(b / 1024).toFixed(0)} KiB`)
    .join(", ");
}

async function timed(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ wallMs: number; stdout: string }> {
  const started = performance.now();
  // Async (not spawnSync): the emulators the handler calls live in this process's event loop.
  const { stdout } = await run(file, args, { env, maxBuffer: 16 * 2 ** 20 });
  return { wallMs: performance.now() - started, stdout };
}

async function coldStart(bundle: string, eventFile: string, env: NodeJS.ProcessEnv): Promise<ColdStart> {
  const { wallMs, stdout } = await timed(process.execPath, [HARNESS, bundle, eventFile], env);
  const line = stdout.split("\n").find((l) => l.startsWith("BENCH_RESULT "));
  if (!line) throw new Error(`cold start of ${bundle} printed no result: ${stdout.slice(-300)}`);
  return { wallMs, ...(JSON.parse(line.slice("BENCH_RESULT ".length)) as Omit<ColdStart, "wallMs">) };
}

export function coldStartBench(opts: BenchOptions): Promise<BenchResult> {
  const runs = opts.quick ? 3 : 5;
  return measured("cold-start", "Lambda cold start", { runs, nodeOptions: FUNCTION_NODE_OPTIONS }, async (out) => {
    const aws = await startLocalAws();
    try {
      const queues = await createQueues(aws.clients.sqs, "bench-cold");
      const tables = await createTables(aws.clients.dynamodb, "bench-cold");
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        NODE_OPTIONS: FUNCTION_NODE_OPTIONS,
        AWS_REGION: "us-east-1",
        AWS_ENDPOINT_URL_SQS: aws.endpoints.sqs,
        AWS_ENDPOINT_URL_DYNAMODB: aws.endpoints.dynamodb,
        INCIDENTS_TABLE: tables.incidents,
        EVENTS_DLQ_URL: queues.events.dlqUrl,
        ANALYZE_QUEUE_URL: queues.analyze.url,
        ANALYZE_DLQ_URL: queues.analyze.dlqUrl,
        NOTIFY_QUEUE_URL: queues.notify.url,
        NOTIFY_DLQ_URL: queues.notify.dlqUrl,
        SLACK_TOKEN: "xoxb-bench-not-used",
        POWERTOOLS_LOG_LEVEL: "ERROR",
      };

      const bare: number[] = [];
      for (let i = 0; i < runs; i++) bare.push((await timed(process.execPath, ["-e", "0"], { PATH: process.env.PATH })).wallMs);
      const bareMs = median(bare);
      out.figures.push({ id: "coldStart.bareNodeMs", name: "bare node -e 0", value: bareMs, unit: "ms", note: `median of ${runs}` });

      for (const fn of FUNCTIONS) {
        const outdir = join(opts.workDir, "bundles", fn);
        const options = functionEsbuildOptions(join(ROOT, "functions", fn, "handler.ts"), outdir);
        // metafile only reports what went in; the bundle itself is unchanged.
        const { metafile } = await build({ ...options, metafile: true });
        const kib = statSync(options.outfile).size / 1024;
        const mapKib = statSync(`${options.outfile}.map`).size / 1024;
        const queueId = fn === "ingest" ? "events" : fn;
        const eventFile = join(outdir, "event.json");
        writeFileSync(eventFile, JSON.stringify(poisonEvent(queues[queueId].arn)));

        const samples: ColdStart[] = [];
        for (let i = 0; i < runs; i++) samples.push(await coldStart(options.outfile, eventFile, env));
        const cold = median(samples.map((s) => s.initMs + s.invokeMs));
        const wall = median(samples.map((s) => s.wallMs));
        out.figures.push(
          { id: `coldStart.${fn}.bundleKiB`, name: `${fn}: bundle size`, value: kib, unit: "KiB", target: { op: "<=", value: COLD_START_TARGETS.bundleKiB }, note: `+ ${mapKib.toFixed(0)} KiB map; largest: ${largestPackages(metafile, 3)}` },
          {
            id: `coldStart.${fn}.initMs`,
            name: `${fn}: init + first invocation`,
            value: cold,
            unit: "ms",
            target: { op: "<=", value: COLD_START_TARGETS.initMs },
            note: `init ${median(samples.map((s) => s.initMs)).toFixed(0)} + invoke ${median(samples.map((s) => s.invokeMs)).toFixed(0)} ms; not counted: node:http for the emulators ${median(samples.map((s) => s.httpLoadMs)).toFixed(0)} ms`,
          },
          { id: `coldStart.${fn}.processMs`, name: `${fn}: fresh process to exit`, value: wall, unit: "ms", note: `${(wall / bareMs).toFixed(1)}× bare node` },
        );
        // The poison record must be handled (dead-lettered or reported as a failure), never crash the invocation.
        const failures = samples.map((s) => s.failures);
        out.checks.push({ name: `${fn}: first invocation answered`, ok: failures.every((f) => f >= 0), detail: `batchItemFailures per run: ${failures.join(", ")}` });
      }
    } finally {
      await aws.stop();
    }
  });
}
