/**
 * Each function's counts reach CloudWatch only as Embedded Metric Format lines on stdout
 * (Lambda ships stdout to CloudWatch Logs, which extracts the metrics). The handlers are
 * built from the environment exactly as their Lambda entry builds them at cold start, and
 * the test reads what they print. Also: a record analyze can never process goes to the
 * analyze DLQ with its reason, as ingest's and notify's do.
 */
import type { SQSBatchResponse } from "aws-lambda";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { analyzeHandlerFromEnv } from "../../functions/analyze/handler.ts";
import { ingestHandlerFromEnv } from "../../functions/ingest/handler.ts";
import { DLQ_ATTRIBUTES } from "../../shared/dead-letter.ts";
import { containerOom } from "../domain/fixtures.ts";
import { createTestAws, type TestAws } from "../support/aws.ts";
import { lambdaContext, sqsEvent, sqsRecord } from "../support/lambda.ts";
import { drain } from "../support/sqs.ts";
import { take } from "../analyze/pipeline.ts";

interface EmfLine {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  service?: string;
  [metric: string]: unknown;
}

/** Runs `fn` and returns the EMF lines printed to stdout meanwhile (other output passes through). */
async function emfLinesOf(fn: () => Promise<unknown>): Promise<EmfLine[]> {
  const lines: EmfLine[] = [];
  const write = process.stdout.write.bind(process.stdout);
  vi.spyOn(process.stdout, "write").mockImplementation(((chunk: string | Uint8Array, ...rest: never[]) => {
    for (const line of String(chunk).split("\n")) {
      if (!line.startsWith("{")) continue;
      const parsed = JSON.parse(line) as Partial<EmfLine>;
      if (parsed._aws?.CloudWatchMetrics) lines.push(parsed as EmfLine);
    }
    return write(chunk, ...rest);
  }) as typeof process.stdout.write);
  try {
    await fn();
  } finally {
    vi.restoreAllMocks();
  }
  return lines;
}

const metricNames = (lines: EmfLine[]) => lines.flatMap((l) => l._aws.CloudWatchMetrics.flatMap((m) => m.Metrics.map((x) => x.Name)));

function functionEnv(aws: TestAws): NodeJS.ProcessEnv {
  return {
    INCIDENTS_TABLE: aws.tables.incidents,
    EVENTS_DLQ_URL: aws.queues.events.dlqUrl,
    ANALYZE_QUEUE_URL: aws.queues.analyze.url,
    ANALYZE_DLQ_URL: aws.queues.analyze.dlqUrl,
    NOTIFY_QUEUE_URL: aws.queues.notify.url,
    AWS_ENDPOINT_URL_SQS: aws.endpoints.sqs,
    AWS_ENDPOINT_URL_DYNAMODB: aws.endpoints.dynamodb,
    POWERTOOLS_LOG_LEVEL: "SILENT",
  };
}

// Powertools' Logger reads its level from the process environment, not from the env the handler is built from.
beforeEach(() => {
  vi.stubEnv("POWERTOOLS_LOG_LEVEL", "SILENT");
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe("functions print their metrics as EMF", () => {
  it("ingest and analyze, built as at cold start, print their counts under the oomwatch namespace", async () => {
    const aws = await createTestAws("emf");
    const env = functionEnv(aws);
    const ingest = ingestHandlerFromEnv(env);
    const analyze = analyzeHandlerFromEnv(env);

    const ingestLines = await emfLinesOf(() => ingest(sqsEvent([containerOom(), "not json"]), lambdaContext));
    expect(ingestLines.length).toBeGreaterThan(0);
    for (const line of ingestLines) {
      expect(line._aws.CloudWatchMetrics[0]?.Namespace).toBe("oomwatch");
      expect(line.service).toBe("ingest");
    }
    expect(metricNames(ingestLines)).toEqual(expect.arrayContaining(["OccurrenceAnalyzed", "PoisonINVALID_JSON"]));

    const requests = await take(aws, aws.queues.analyze.url);
    expect(requests).toHaveLength(1);
    let response: SQSBatchResponse | undefined;
    const analyzeLines = await emfLinesOf(async () => {
      response = await analyze({ Records: [sqsRecord(requests[0]!.Body!), sqsRecord(JSON.stringify({ incidentId: 42 }))] }, lambdaContext);
    });
    expect(response?.batchItemFailures).toEqual([]);
    for (const line of analyzeLines) {
      expect(line._aws.CloudWatchMetrics[0]?.Namespace).toBe("oomwatch");
      expect(line.service).toBe("analyze");
    }
    expect(metricNames(analyzeLines)).toEqual(expect.arrayContaining(["IncidentNew", "AnalyzePoison"]));
  });

  it("analyze sends a record it can never process to the analyze DLQ with its reason, and acknowledges it", async () => {
    const aws = await createTestAws("analyze-poison");
    const analyze = analyzeHandlerFromEnv(functionEnv(aws));
    const bodies = ["{not json", JSON.stringify({ incidentId: 42 })];
    let response: SQSBatchResponse | undefined;
    const lines = await emfLinesOf(async () => {
      response = await analyze({ Records: bodies.map((b) => sqsRecord(b)) }, lambdaContext);
    });
    expect(response?.batchItemFailures).toEqual([]);
    expect(metricNames(lines).filter((n) => n === "AnalyzePoison")).toHaveLength(1);
    const dead = await drain(aws.clients.sqs, aws.queues.analyze.dlqUrl);
    const byBody = new Map(dead.map((m) => [m.Body, m.MessageAttributes ?? {}]));
    expect([...byBody.keys()].sort()).toEqual([...bodies].sort());
    expect(byBody.get("{not json")?.[DLQ_ATTRIBUTES.error]?.StringValue).toBe("INVALID_JSON");
    expect(byBody.get(bodies[1])?.[DLQ_ATTRIBUTES.error]?.StringValue).toBe("SCHEMA");
    expect(byBody.get(bodies[1])?.[DLQ_ATTRIBUTES.reason]?.StringValue).toMatch(/incidentId/);
  });
});
