import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { releaseDeadLeases } from "../../functions/notify/slack-ref.ts";
import { createTestAws, type TestAws } from "../support/aws.ts";

describe("releaseDeadLeases (a sandbox restarting after it was killed)", () => {
  let aws: TestAws;
  beforeAll(async () => {
    aws = await createTestAws("leases");
  });

  it("removes every posting lease and nothing else", async () => {
    const { doc } = aws.clients;
    const TableName = aws.tables.incidents;
    const future = Date.now() + 600_000;
    await doc.send(new PutCommand({ TableName, Item: { pk: "INC#a", sk: "INC", slackLease: { by: "dead-message", until: future }, level: 2 } }));
    await doc.send(new PutCommand({ TableName, Item: { pk: "INC#b", sk: "INC", slack: { channel: "C1", ts: "1.000001" } } }));
    expect(await releaseDeadLeases(doc, TableName)).toBe(1);
    const a = (await doc.send(new GetCommand({ TableName, Key: { pk: "INC#a", sk: "INC" } }))).Item;
    expect(a).toEqual({ pk: "INC#a", sk: "INC", level: 2 });
    const b = (await doc.send(new GetCommand({ TableName, Key: { pk: "INC#b", sk: "INC" } }))).Item;
    expect(b).toEqual({ pk: "INC#b", sk: "INC", slack: { channel: "C1", ts: "1.000001" } });
    expect(await releaseDeadLeases(doc, TableName)).toBe(0);
  });
});
