import { describe, expect, it } from "vitest";
import { FUNCTIONS, QUEUES, INCIDENTS_TABLE } from "../shared/resources.ts";
import { createTestAws } from "./support/aws.ts";
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";

describe("shared resource definitions", () => {
  it("keeps every queue's visibility timeout at least 6x its consumer's timeout", () => {
    for (const fn of Object.values(FUNCTIONS)) {
      expect(QUEUES[fn.queue].visibilityTimeoutSeconds).toBeGreaterThanOrEqual(6 * fn.timeoutSeconds);
    }
  });

  it("creates queues with redrive policies and the incidents table with its indexes on the emulators", async () => {
    const aws = await createTestAws("res");
    const attrs = await aws.clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: aws.queues.events.url, AttributeNames: ["RedrivePolicy", "VisibilityTimeout"] }),
    );
    expect(JSON.parse(attrs.Attributes!.RedrivePolicy!)).toEqual({
      deadLetterTargetArn: aws.queues.events.dlqArn,
      maxReceiveCount: QUEUES.events.maxReceiveCount,
    });
    expect(Number(attrs.Attributes!.VisibilityTimeout)).toBe(QUEUES.events.visibilityTimeoutSeconds);
    const table = await aws.clients.dynamodb.send(new DescribeTableCommand({ TableName: aws.tables.incidents }));
    expect(table.Table!.GlobalSecondaryIndexes!.map((i) => i.IndexName).sort()).toEqual(
      Object.values(INCIDENTS_TABLE.indexes).map((i) => i.name).sort(),
    );
  });
});
