/**
 * Local AWS: `local-aws-sqs` (SQS JSON protocol) and `dynalite` (DynamoDB) in this
 * process, on free loopback ports, with queues and tables created from
 * shared/resources.ts. Application code reaches them through the normal SDK
 * clients with an endpoint override (shared/clients/aws.ts).
 */
import { mkdirSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { createSqsServer } from "local-aws-sqs";
import { createAwsClients, type AwsClients } from "../shared/clients/aws.ts";
import { INCIDENTS_TABLE, QUEUES, resourceName, type QueueId } from "../shared/resources.ts";

const require = createRequire(import.meta.url);
// dynalite ships no types: it returns a plain http.Server.
const dynalite = require("dynalite") as (opts: { path?: string; createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => Server;

export interface QueueUrls {
  url: string;
  arn: string;
  dlqUrl: string;
  dlqArn: string;
  /** Effective settings the queue was created with (createQueues sets them; the Lambda runner reads them). */
  visibilityTimeoutSeconds?: number;
  maxReceiveCount?: number;
}

/** Test-only changes to every queue, e.g. a 1 s visibility timeout so redelivery takes seconds. */
export interface QueueOverrides {
  visibilityTimeoutSeconds?: number;
  maxReceiveCount?: number;
}

export interface LocalAws {
  endpoints: { sqs: string; dynamodb: string };
  clients: AwsClients;
  stop(): Promise<void>;
}

export interface LocalAwsOptions {
  /** Directory for DynamoDB data; in memory when absent. */
  dataDir?: string;
  region?: string;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}

/** Starts both emulators on free loopback ports. */
export async function startLocalAws(options: LocalAwsOptions = {}): Promise<LocalAws> {
  const region = options.region ?? "us-east-1";
  // port 0 is not accepted by local-aws-sqs' option check, so pick a free port first.
  const probe = (await import("node:net")).createServer();
  const sqsPort = await new Promise<number>((resolve) =>
    probe.listen(0, "127.0.0.1", () => {
      const port = (probe.address() as AddressInfo).port;
      probe.close(() => resolve(port));
    }),
  );
  const sqsServer = await createSqsServer({
    port: sqsPort,
    hostname: "127.0.0.1",
    region,
    emulateQueueCreationLifecycle: false,
  });
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const dynamo = dynalite({
    ...(options.dataDir ? { path: options.dataDir } : {}),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  const dynamoPort = await listen(dynamo);
  const endpoints = { sqs: `http://127.0.0.1:${sqsPort}`, dynamodb: `http://127.0.0.1:${dynamoPort}` };
  const clients = createAwsClients({ region, endpoints });
  return {
    endpoints,
    clients,
    async stop() {
      clients.sqs.destroy();
      clients.dynamodb.destroy();
      await Promise.all([close(sqsServer), close(dynamo)]);
    },
  };
}

/** Creates the three queues and their DLQs (idempotent: CreateQueue returns the existing URL). */
export async function createQueues(
  sqs: SQSClient,
  prefix = "",
  overrides: QueueOverrides = {},
): Promise<Record<QueueId, QueueUrls>> {
  const out = {} as Record<QueueId, QueueUrls>;
  for (const id of Object.keys(QUEUES) as QueueId[]) {
    const def = QUEUES[id];
    const visibilityTimeoutSeconds = overrides.visibilityTimeoutSeconds ?? def.visibilityTimeoutSeconds;
    const maxReceiveCount = overrides.maxReceiveCount ?? def.maxReceiveCount;
    const dlq = await sqs.send(
      new CreateQueueCommand({
        QueueName: resourceName(def.dlqName, prefix),
        Attributes: { MessageRetentionPeriod: String(def.dlqRetentionSeconds) },
      }),
    );
    const dlqArn = await queueArn(sqs, dlq.QueueUrl!);
    const main = await sqs.send(
      new CreateQueueCommand({
        QueueName: resourceName(def.name, prefix),
        Attributes: {
          VisibilityTimeout: String(visibilityTimeoutSeconds),
          MessageRetentionPeriod: String(def.retentionSeconds),
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount }),
        },
      }),
    );
    out[id] = {
      url: main.QueueUrl!,
      arn: await queueArn(sqs, main.QueueUrl!),
      dlqUrl: dlq.QueueUrl!,
      dlqArn,
      visibilityTimeoutSeconds,
      maxReceiveCount,
    };
  }
  return out;
}

async function queueArn(sqs: SQSClient, url: string): Promise<string> {
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }));
  return attrs.Attributes!.QueueArn!;
}

/** Table definitions as CreateTable input, from shared/resources.ts (the CDK app uses the same). */
export function incidentsTableInput(prefix = ""): CreateTableCommandInput {
  const t = INCIDENTS_TABLE;
  const indexes = Object.values(t.indexes);
  const attrs = new Set<string>([t.partitionKey, t.sortKey, ...indexes.flatMap((i) => [i.partitionKey, i.sortKey])]);
  return {
    TableName: resourceName(t.name, prefix),
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [...attrs].map((name) => ({ AttributeName: name, AttributeType: "S" })),
    KeySchema: [
      { AttributeName: t.partitionKey, KeyType: "HASH" },
      { AttributeName: t.sortKey, KeyType: "RANGE" },
    ],
    GlobalSecondaryIndexes: indexes.map((i) => ({
      IndexName: i.name,
      KeySchema: [
        { AttributeName: i.partitionKey, KeyType: "HASH" },
        { AttributeName: i.sortKey, KeyType: "RANGE" },
      ],
      Projection: { ProjectionType: "ALL" },
    })),
  };
}

/** Creates the incidents table unless it exists (it does after a restart with the same data dir). */
export async function createTables(dynamodb: DynamoDBClient, prefix = ""): Promise<{ incidents: string }> {
  const input = incidentsTableInput(prefix);
  try {
    await dynamodb.send(new CreateTableCommand(input));
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
  }
  await waitActive(dynamodb, input.TableName!);
  return { incidents: input.TableName! };
}

async function waitActive(dynamodb: DynamoDBClient, table: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const d = await dynamodb.send(new DescribeTableCommand({ TableName: table }));
    if (d.Table?.TableStatus === "ACTIVE") return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`table ${table} did not become ACTIVE`);
}

/** Where dynalite keeps its LevelDB files inside a sandbox data directory (default `.oomwatch/data`). */
export function localDynamoPath(dataDir: string): string {
  return `${dataDir.replace(/\/+$/, "")}/dynamodb`;
}

/** Default data directory of the sandbox and of `oomwatch incidents`. */
export const DEFAULT_DATA_DIR = ".oomwatch/data";
