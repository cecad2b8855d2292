/**
 * The handler built from the environment, as Lambda and the sandbox build it:
 * token from Secrets Manager (a minimal GetSecretValue endpoint here) or SLACK_TOKEN,
 * SLACK_API_URL to the sink, AWS endpoints from AWS_ENDPOINT_URL_*.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notifyHandlerFromEnv } from "../../functions/notify/handler.ts";
import { lambdaContext, sqsRecord } from "../support/lambda.ts";
import { containerOom, notifyRequest } from "./fixtures.ts";
import { incidentIdOf, startBench, type Bench } from "./harness.ts";

/** Answers secretsmanager.GetSecretValue for one secret (AWS JSON 1.1). */
async function startSecretStub(arn: string, secret: string): Promise<{ url: string; calls: () => number; server: Server }> {
  let calls = 0;
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      calls++;
      const { SecretId } = JSON.parse(body) as { SecretId: string };
      res.setHeader("content-type", "application/x-amz-json-1.1");
      if (req.headers["x-amz-target"] !== "secretsmanager.GetSecretValue" || SecretId !== arn) {
        res.statusCode = 400;
        res.end(JSON.stringify({ __type: "ResourceNotFoundException", message: "not found" }));
        return;
      }
      res.end(JSON.stringify({ ARN: arn, Name: "slack", SecretString: secret, VersionId: "v1", CreatedDate: 0 }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls: () => calls, server };
}

let bench: Bench;
beforeAll(async () => {
  bench = await startBench();
});
afterAll(() => bench.stop());

const baseEnv = (b: Bench): NodeJS.ProcessEnv => ({
  INCIDENTS_TABLE: b.aws.tables.incidents,
  NOTIFY_DLQ_URL: b.aws.queues.notify.dlqUrl,
  EVENT_BUS_NAME: "oomwatch-env",
  SLACK_API_URL: b.slackSink.url,
  SLACK_DEFAULT_CHANNEL: "#oom-alerts",
  SLACK_CHANNEL_MAP: JSON.stringify({ payments: "#team-checkout" }),
  AWS_ENDPOINT_URL_DYNAMODB: b.aws.endpoints.dynamodb,
  AWS_ENDPOINT_URL_SQS: b.aws.endpoints.sqs,
  AWS_ENDPOINT_URL_EVENTBRIDGE: b.events.endpoint,
  POWERTOOLS_LOG_LEVEL: "SILENT",
});

describe("notify from the environment", () => {
  it("sandbox: SLACK_TOKEN and SLACK_CHANNEL_MAP from env", async () => {
    const handler = await notifyHandlerFromEnv({ ...baseEnv(bench), SLACK_TOKEN: bench.slackSink.token });
    const inc = containerOom({ id: `env-${Date.now()}` });
    await bench.store(inc);
    const res = await handler({ Records: [sqsRecord(JSON.stringify(notifyRequest(inc)))] }, lambdaContext);
    expect(res.batchItemFailures).toEqual([]);
    const posted = bench.slackSink.messages().filter((m) => !m.thread_ts && incidentIdOf(m) === inc.id);
    expect(posted.map((m) => m.channelName)).toEqual(["team-checkout"]);
    expect(bench.events.events().some((e) => e.eventBusName === "oomwatch-env" && (e.detail as { incidentId: string }).incidentId === inc.id)).toBe(true);
  });

  it("AWS: the token comes from Secrets Manager (JSON secret) and is cached", async () => {
    const arn = `arn:aws:secretsmanager:us-east-1:000000000000:secret:slack-${Date.now()}`;
    const stub = await startSecretStub(arn, JSON.stringify({ token: bench.slackSink.token }));
    const saved = { ...process.env };
    // the SDK client Powertools builds reads its endpoint and credentials from the process environment
    Object.assign(process.env, { AWS_ENDPOINT_URL_SECRETS_MANAGER: stub.url, AWS_ACCESS_KEY_ID: "local", AWS_SECRET_ACCESS_KEY: "local", AWS_REGION: "us-east-1" });
    try {
      const handler = await notifyHandlerFromEnv({ ...baseEnv(bench), SLACK_TOKEN_SECRET_ARN: arn });
      await notifyHandlerFromEnv({ ...baseEnv(bench), SLACK_TOKEN_SECRET_ARN: arn });
      expect(stub.calls()).toBe(1);
      const inc = containerOom({ id: `secret-${Date.now()}` });
      await bench.store(inc);
      const res = await handler({ Records: [sqsRecord(JSON.stringify(notifyRequest(inc)))] }, lambdaContext);
      expect(res.batchItemFailures).toEqual([]);
      expect(bench.slackSink.messages().some((m) => incidentIdOf(m) === inc.id)).toBe(true);
      await expect(notifyHandlerFromEnv({ ...baseEnv(bench), SLACK_TOKEN_SECRET_ARN: `${arn}-missing` })).rejects.toThrow();
    } finally {
      process.env = saved;
      await new Promise((r) => stub.server.close(r));
    }
  });

  it("refuses to start without a token", async () => {
    await expect(notifyHandlerFromEnv(baseEnv(bench))).rejects.toThrow(/SLACK_TOKEN/);
  });
});
