/** The local EventBridge sink through the real @aws-sdk/client-eventbridge client. */
import { type EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startEventBridgeSink, type EventBridgeSink } from "../sandbox/eventbridge-sink.ts";
import { createAwsClients } from "../shared/clients/aws.ts";

let sink: EventBridgeSink;
let client: EventBridgeClient;
const seen: string[] = [];

beforeAll(async () => {
  sink = await startEventBridgeSink({ onEvent: (e) => seen.push(e.id) });
  client = createAwsClients({ region: "eu-west-1", endpoints: { eventbridge: sink.endpoint }, maxAttempts: 1 }).eventbridge;
});

afterAll(async () => {
  client.destroy();
  await sink.stop();
});

const bus = (suffix: string) => `oomwatch-test-${suffix}`;

describe("EventBridge sink", () => {
  test("PutEvents records a valid event in EventBridge's event format", async () => {
    const out = await client.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: "oomwatch",
            DetailType: "Incident Opened",
            Detail: JSON.stringify({ incidentId: "inc-1", level: 1 }),
            EventBusName: bus("valid"),
            Resources: ["arn:aws:eks:eu-west-1:123456789012:cluster/prod"],
            Time: new Date("2026-01-02T03:04:05Z"),
          },
        ],
      }),
    );
    expect(out.FailedEntryCount).toBe(0);
    const id = out.Entries?.[0]?.EventId;
    expect(id).toBeTruthy();
    const event = sink.events().find((e) => e.id === id);
    expect(event).toEqual({
      version: "0",
      id,
      "detail-type": "Incident Opened",
      source: "oomwatch",
      account: "123456789012",
      time: "2026-01-02T03:04:05Z",
      region: "eu-west-1",
      resources: ["arn:aws:eks:eu-west-1:123456789012:cluster/prod"],
      detail: { incidentId: "inc-1", level: 1 },
      eventBusName: bus("valid"),
    });
    expect(seen).toContain(id);
  });

  test("invalid entries fail one by one with EventBridge's error codes; valid ones in the same call succeed", async () => {
    const eventBusName = bus("mixed");
    const out = await client.send(
      new PutEventsCommand({
        Entries: [
          { Source: "oomwatch", DetailType: "ok", Detail: "{}", EventBusName: eventBusName },
          { DetailType: "no source", Detail: "{}", EventBusName: eventBusName },
          { Source: "oomwatch", Detail: "{}", EventBusName: eventBusName },
          { Source: "oomwatch", DetailType: "no detail", EventBusName: eventBusName },
          { Source: "oomwatch", DetailType: "bad json", Detail: "{not json", EventBusName: eventBusName },
          { Source: "oomwatch", DetailType: "array", Detail: "[1]", EventBusName: eventBusName },
          { Source: "aws.ec2", DetailType: "reserved", Detail: "{}", EventBusName: eventBusName },
        ],
      }),
    );
    expect(out.FailedEntryCount).toBe(6);
    expect(out.Entries?.map((e) => e.ErrorCode ?? "ok")).toEqual([
      "ok",
      "InvalidArgument",
      "InvalidArgument",
      "InvalidArgument",
      "MalformedDetail",
      "MalformedDetail",
      "NotAuthorizedForSourceException",
    ]);
    expect(out.Entries?.[1]?.ErrorMessage).toMatch(/Source is a required argument/);
    expect(sink.events().filter((e) => e.eventBusName === eventBusName)).toHaveLength(1);
  });

  test("more than 10 entries is a ValidationException for the whole call", async () => {
    const entries = Array.from({ length: 11 }, () => ({ Source: "oomwatch", DetailType: "x", Detail: "{}", EventBusName: bus("many") }));
    await expect(client.send(new PutEventsCommand({ Entries: entries }))).rejects.toMatchObject({ name: "ValidationException" });
    expect(sink.events().filter((e) => e.eventBusName === bus("many"))).toHaveLength(0);
  });

  test("entries over 256 KiB in total are refused", async () => {
    const big = JSON.stringify({ pad: "x".repeat(140 * 1024) });
    const entries = [1, 2].map(() => ({ Source: "oomwatch", DetailType: "big", Detail: big, EventBusName: bus("big") }));
    await expect(client.send(new PutEventsCommand({ Entries: entries }))).rejects.toThrow(/over the limit/);
  });

  test("a bus ARN is recorded by its name and no bus means `default`", async () => {
    await client.send(
      new PutEventsCommand({
        Entries: [
          { Source: "oomwatch", DetailType: "arn", Detail: "{}", EventBusName: "arn:aws:events:eu-west-1:123456789012:event-bus/oomwatch-arn" },
          { Source: "oomwatch", DetailType: "default", Detail: "{}" },
        ],
      }),
    );
    const names = sink.events().filter((e) => ["arn", "default"].includes(e["detail-type"])).map((e) => e.eventBusName);
    expect(names).toEqual(["oomwatch-arn", "default"]);
  });
});
