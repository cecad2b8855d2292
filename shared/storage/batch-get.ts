/** Reads many items of one table by key: BatchGet in chunks of 100 (its limit), following UnprocessedKeys. */
import { BatchGetCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

export interface BatchGetOptions {
  /** Strongly consistent reads (ingest must see the writes of a crashed attempt and of analyze). */
  consistent?: boolean;
  /** Only these top-level attributes (plus nothing else): a smaller read of big items. */
  attributes?: string[];
}

export async function batchGetItems(
  doc: DynamoDBDocumentClient,
  tableName: string,
  keys: Array<{ pk: string; sk: string }>,
  options: BatchGetOptions = {},
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  const projection = options.attributes
    ? {
        ProjectionExpression: options.attributes.map((_, i) => `#a${i}`).join(", "),
        ExpressionAttributeNames: Object.fromEntries(options.attributes.map((a, i) => [`#a${i}`, a])),
      }
    : {};
  for (let i = 0; i < keys.length; i += 100) {
    type Request = Record<string, { Keys: Record<string, unknown>[]; ConsistentRead?: boolean }>;
    let request: Request | undefined = { [tableName]: { Keys: keys.slice(i, i + 100), ConsistentRead: options.consistent, ...projection } };
    while (request && Object.keys(request).length > 0) {
      const out = await doc.send(new BatchGetCommand({ RequestItems: request }));
      items.push(...(out.Responses?.[tableName] ?? []));
      request = out.UnprocessedKeys as Request | undefined;
    }
  }
  return items;
}
