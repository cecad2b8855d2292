/**
 * The byOpen index belongs to the lifecycle: an analysis that lands after the incident was
 * resolved and taken out of the index (notify's removeFromOpen) does not put it back, so the
 * resolver never announces the resolution a second time.
 */
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { INCIDENT_SK, incidentPk } from "../../shared/storage/incident-item.ts";
import { writeIncident } from "../../shared/storage/incident-writer.ts";
import { markResolved, openIncidentsQuietSince, removeFromOpen } from "../../shared/storage/lifecycle.ts";
import { createTestAws, type TestAws } from "../support/aws.ts";
import { containerOom } from "../notify/fixtures.ts";

let aws: TestAws;
beforeAll(async () => {
  aws = await createTestAws("resolve-late-analysis");
});

const mark = { lastNotify: { revision: 1, level: 2, change: "new" as const } };
const quietIds = async () => (await openIncidentsQuietSince(aws.clients.doc, aws.tables.incidents, "2026-05-02T00:00:00Z", 100)).incidents.map((i) => i.id);

describe("a late analysis of a resolved incident", () => {
  it("is stored but does not put the incident back in the open index", async () => {
    const { doc } = aws.clients;
    const table = aws.tables.incidents;
    const inc = containerOom({ id: "inc-late-1", firstSeen: "2026-05-01T03:00:00Z", lastSeen: "2026-05-01T03:00:00Z", occurrences: 1 });
    expect(await writeIncident(doc, table, inc, mark)).toBe(true);
    expect(await quietIds()).toEqual([inc.id]);

    expect(await markResolved(doc, table, inc, "2026-05-01T04:00:00Z")).toBe(true);
    await removeFromOpen(doc, table, inc.id);
    expect(await quietIds()).toEqual([]);

    const late = { ...inc, updatedAt: "2026-05-01T04:05:00Z", diagnosis: { ...inc.diagnosis, summary: "late analysis" } };
    expect(await writeIncident(doc, table, late, mark)).toBe(true);
    expect(await quietIds()).toEqual([]);
    const { Item } = await doc.send(new GetCommand({ TableName: table, Key: { pk: incidentPk(inc.id), sk: INCIDENT_SK }, ConsistentRead: true }));
    expect(Item).toMatchObject({ status: "resolved", resolvedAt: "2026-05-01T04:00:00Z", diagnosis: { summary: "late analysis" } });
    expect(Item?.openKey).toBeUndefined();
  });

  it("an analysis of an open incident keeps it in the open index", async () => {
    const inc = containerOom({ id: "inc-late-2", firstSeen: "2026-05-01T05:00:00Z", lastSeen: "2026-05-01T05:00:00Z", occurrences: 1 });
    expect(await writeIncident(aws.clients.doc, aws.tables.incidents, inc, mark)).toBe(true);
    expect(await writeIncident(aws.clients.doc, aws.tables.incidents, { ...inc, occurrences: 2, lastSeen: "2026-05-01T05:10:00Z" }, mark)).toBe(true);
    expect(await quietIds()).toContain(inc.id);
  });
});
