/**
 * The resolver's batch counts only incidents it can resolve: more node incidents held open by
 * MemoryPressure than one batch, all older than a resolvable container incident, do not keep
 * the container incident open.
 */
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { resolveQuietIncidents } from "../../functions/resolve/resolve.ts";
import { toIncidentItem } from "../../shared/storage/incident-item.ts";
import { recordNodePressure } from "../../shared/storage/node-pressure.ts";
import { createTestAws, type TestAws } from "../support/aws.ts";
import { drain } from "../support/sqs.ts";
import { containerOom, nodeOom } from "../notify/fixtures.ts";

const BATCH = 3;
let aws: TestAws;
beforeAll(async () => {
  aws = await createTestAws("resolve-backlog");
});

describe("a backlog of held node incidents", () => {
  it("does not stop a newer quiet incident from resolving", async () => {
    const node = "ip-10-0-7-7";
    const put = (item: Record<string, unknown>) => aws.clients.doc.send(new PutCommand({ TableName: aws.tables.incidents, Item: item }));
    await recordNodePressure(aws.clients.doc, aws.tables.incidents, { cluster: "prod-eu", node, status: "True", since: "2026-04-01T00:00:00Z", key: "pressure:backlog" });
    const held = Array.from({ length: BATCH * 2 + 1 }, (_, n) =>
      nodeOom({ id: `inc-held-${n}`, node, groupKey: `prod-eu/${node}/NodeOOM/${n}`, firstSeen: `2026-04-01T01:0${n}:00Z`, lastSeen: `2026-04-01T01:0${n}:00Z` }),
    );
    for (const i of held) await put(toIncidentItem(i));
    const free = containerOom({ id: "inc-free-1", firstSeen: "2026-04-01T02:00:00Z", lastSeen: "2026-04-01T02:00:00Z" });
    await put(toIncidentItem(free));

    const resolved = await resolveQuietIncidents({
      doc: aws.clients.doc,
      sqs: aws.clients.sqs,
      tableName: aws.tables.incidents,
      notifyQueueUrl: aws.queues.notify.url,
      windowMinutes: 30,
      now: () => new Date("2026-04-01T05:00:00Z"),
      batch: BATCH,
    });
    expect(resolved.map((i) => i.id)).toEqual([free.id]);
    const sent = (await drain(aws.clients.sqs, aws.queues.notify.url)).map((m) => JSON.parse(m.Body!).incidentId);
    expect(sent).toEqual([free.id]);
  });
});
