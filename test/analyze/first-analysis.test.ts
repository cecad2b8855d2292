/**
 * Occurrences that arrive before an incident's first analysis is stored trigger no analysis
 * of their own (a storm would queue one per occurrence); the first analysis re-checks the
 * member count after its write and analyses again when members arrived meanwhile.
 */
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { createAnalyzeHandler } from "../../functions/analyze/handler.ts";
import { createIngestHandler } from "../../functions/ingest/handler.ts";
import { groupOf, incidentIdFor } from "../../shared/domain/grouping.ts";
import { NotifyRequestSchema } from "../../shared/schema/incident.ts";
import { createTestAws } from "../support/aws.ts";
import { at, containerOom } from "../domain/fixtures.ts";
import { ingestDeps } from "../ingest/harness.ts";
import { lambdaContext, sqsEvent, sqsRecord } from "../support/lambda.ts";
import { analyzeDeps, pipeline, take } from "./pipeline.ts";

describe("analyze: the first analysis of an incident", () => {
  it("counts a member put between its read and its write, without a trigger from ingest", async () => {
    const aws = await createTestAws("analyze-first");
    const ingest = createIngestHandler(ingestDeps(aws));
    const [first, second] = [0, 1].map((m) => containerOom({ finishedAt: at(m) }));
    await ingest(sqsEvent([first!]), lambdaContext);
    const [request] = await take(aws, aws.queues.analyze.url);

    // The second occurrence is ingested while analyze is between reading members and writing the incident.
    let injected = false;
    const doc = new Proxy(aws.clients.doc, {
      get(target, prop, receiver) {
        if (prop !== "send") return Reflect.get(target, prop, receiver);
        return async (cmd: unknown) => {
          if (!injected && cmd instanceof UpdateCommand && cmd.input.ConditionExpression?.startsWith("attribute_not_exists(pk) OR")) {
            injected = true;
            await ingest(sqsEvent([second!]), lambdaContext);
          }
          return target.send(cmd as never);
        };
      },
    });
    const analyze = createAnalyzeHandler(analyzeDeps(aws, { doc }));
    const res = await analyze({ Records: [sqsRecord(request!.Body!, request!.MessageId)] }, lambdaContext);
    expect(res.batchItemFailures).toEqual([]);
    expect(injected).toBe(true);
    // ingest sent nothing for the second occurrence: the incident was not stored yet
    expect(await take(aws, aws.queues.analyze.url)).toEqual([]);

    const id = incidentIdFor(groupOf(first!).key, first!.key);
    const notes = (await take(aws, aws.queues.notify.url)).map((m) => NotifyRequestSchema.parse(JSON.parse(m.Body!)));
    expect(notes.map((n) => [n.change, n.revision])).toEqual([
      ["new", 1],
      ["repeat", 2],
    ]);
    expect((await pipeline(aws).incident(id))?.occurrences).toBe(2);
  });
});
