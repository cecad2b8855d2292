/**
 * Each node's MemoryPressure state as the forwarder last reported it (shared/domain/node-pressure.ts),
 * one small item per node whose pressure changed (the forwarder reports no clear for a healthy
 * node): ingest writes it, the resolver reads it for the node incidents that are due (one BatchGet
 * per run).
 */
import { type DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { PressureChange } from "../domain/node-pressure.ts";
import { batchGetItems } from "./batch-get.ts";
import { isConditionFailure } from "./conditions.ts";
import { pipelineKeys } from "./pipeline-items.ts";
import { expiresAt } from "./ttl.ts";

export interface NodePressureState extends PressureChange {
  cluster: string;
  node: string;
}

/** The key `nodesUnderPressure` answers with. */
export const pressureKey = (cluster: string, node: string): string => `${cluster}\n${node}`;

/**
 * Records a change unless a later one is recorded already (messages arrive in any order and
 * more than once: a clear delivered before its True must still win). False when nothing was written.
 */
export async function recordNodePressure(doc: DynamoDBDocumentClient, tableName: string, s: NodePressureState): Promise<boolean> {
  try {
    await doc.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...pipelineKeys.nodePressure(s.cluster, s.node), ...s, expiresAt: expiresAt(s.since) },
        // A node's pressure can last longer than any window; the item outlives its incidents (retention).
        ConditionExpression: "attribute_not_exists(pk) OR #since < :since",
        ExpressionAttributeNames: { "#since": "since" },
        ExpressionAttributeValues: { ":since": s.since },
      }),
    );
    return true;
  } catch (err) {
    if (isConditionFailure(err)) return false;
    throw err;
  }
}

/** The nodes whose recorded state is MemoryPressure True (as `pressureKey`s). */
export async function nodesUnderPressure(doc: DynamoDBDocumentClient, tableName: string, nodes: Array<{ cluster: string; node: string }>): Promise<Set<string>> {
  const keys = new Map(nodes.map((n) => [pressureKey(n.cluster, n.node), pipelineKeys.nodePressure(n.cluster, n.node)]));
  if (keys.size === 0) return new Set();
  const items = await batchGetItems(doc, tableName, [...keys.values()], { consistent: true, attributes: ["cluster", "node", "status"] });
  return new Set(items.filter((i) => i.status === "True").map((i) => pressureKey(String(i.cluster), String(i.node))));
}

