/** Puts many items into one table: BatchWrite in chunks of 25 (its limit), following UnprocessedItems. */
import { BatchWriteCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/** Unconditional puts only (BatchWrite takes no conditions): for items whose put is idempotent. */
export async function batchPutItems(doc: DynamoDBDocumentClient, tableName: string, items: Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    type Request = Record<string, { PutRequest: { Item: Record<string, unknown> } }[]>;
    let request: Request | undefined = { [tableName]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) };
    while (request && Object.keys(request).length > 0) {
      const out = await doc.send(new BatchWriteCommand({ RequestItems: request }));
      request = out.UnprocessedItems as Request | undefined;
    }
  }
}
