/**
 * A storm on one incident at the deployed queue settings (shared/resources.ts: batch sizes,
 * concurrency, 180-360 s visibility timeouts): the real ingest and analyze handlers in the
 * Lambda runner, many analyses of the same incident racing while its members grow. Lost
 * races are resolved in the handlers or handed back for a retry in seconds, so everything
 * is done long before any visibility timeout, with exact counts.
 */
import { describe, expect, test } from "vitest";
import { createAnalyzeHandler } from "../../functions/analyze/handler.ts";
import { createIngestHandler } from "../../functions/ingest/handler.ts";
import { createAwsClients } from "../../shared/clients/aws.ts";
import { groupOf, incidentIdFor } from "../../shared/domain/grouping.ts";
import { NotifyRequestSchema } from "../../shared/schema/incident.ts";
import { functionFromResources, startLambdaRunner } from "../../sandbox/lambda-runner.ts";
import { analyzeDeps, pipeline, take } from "../analyze/pipeline.ts";
import { at, containerOom } from "../domain/fixtures.ts";
import { ingestDeps } from "../ingest/harness.ts";
import { createTestAws } from "../support/aws.ts";
import { queueDepth, sendBodies } from "../support/sqs.ts";
import { silentLogger } from "./harness.ts";

const PODS = 50;

describe("storm on one incident at the deployed visibility timeouts", () => {
  test("every record is done within 30 s, none waits out a visibility timeout, counts are exact", async () => {
    const testAws = await createTestAws("storm-contention");
    // SDK retries as deployed (the test default of one attempt turns an emulator hiccup into a failed record).
    const aws = { ...testAws, clients: createAwsClients({ endpoints: testAws.endpoints }) };
    // One Deployment's pods OOM-killed one after another: every new pod re-analyses the incident.
    const storm = Array.from({ length: PODS }, (_, i) =>
      containerOom({
        pod: { name: `api-6b7c9-${String(i).padStart(3, "0")}`, uid: `uid-${i}`, workload: { kind: "Deployment", name: "api" } },
        finishedAt: at(i / 20),
      }),
    );
    const incidentId = incidentIdFor(groupOf(storm[0]!).key, storm[0]!.key);
    const runner = startLambdaRunner({
      sqs: aws.clients.sqs,
      logger: silentLogger,
      functions: [
        functionFromResources("ingest", aws.queues, createIngestHandler(ingestDeps(aws))),
        functionFromResources("analyze", aws.queues, createAnalyzeHandler(analyzeDeps(aws))),
      ],
    });
    try {
      // The first occurrence opens the incident; the rest arrive at once.
      await sendBodies(aws.clients.sqs, aws.queues.events.url, [JSON.stringify(storm[0])]);
      await runner.waitForIdle({ timeoutMs: 30_000 });
      await sendBodies(aws.clients.sqs, aws.queues.events.url, storm.slice(1).map((o) => JSON.stringify(o)));
      await runner.waitForIdle({ timeoutMs: 30_000 });

      const analyses = runner.stats("analyze");
      expect(analyses.records).toBeGreaterThan(PODS / 2); // many analyses of one incident, not one per batch
      expect(runner.redeliveries()).toMatchObject({ afterVisibilityTimeout: 0 });
      expect(runner.stats()).toMatchObject({ timeouts: 0, redriven: 0 });
      expect(runner.stats().succeeded).toBe(PODS + analyses.records - analyses.failed);

      const incident = await pipeline(aws).incident(incidentId);
      expect(incident).toMatchObject({ occurrences: PODS, kind: "ContainerOOM" });
      expect(incident?.pods).toHaveLength(PODS);
      for (const dlq of [aws.queues.events.dlqUrl, aws.queues.analyze.dlqUrl]) expect(await queueDepth(aws.clients.sqs, dlq)).toBe(0);
      const notes = (await take(aws, aws.queues.notify.url)).map((m) => NotifyRequestSchema.parse(JSON.parse(m.Body!)));
      expect(Math.max(...notes.map((n) => n.revision))).toBe(PODS);
    } finally {
      await runner.stop();
    }
  });
});
