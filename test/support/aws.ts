/**
 * Per-test-file AWS resources on the shared emulators: a unique prefix so files
 * running in parallel never see each other's queues or tables.
 */
import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { createAwsClients, type AwsClients } from "../../shared/clients/aws.ts";
import { createQueues, createTables, type QueueOverrides, type QueueUrls } from "../../sandbox/local-aws.ts";
import type { QueueId } from "../../shared/resources.ts";

export interface TestAws {
  prefix: string;
  clients: AwsClients;
  endpoints: { sqs: string; dynamodb: string };
  queues: Record<QueueId, QueueUrls>;
  tables: { incidents: string };
}

/** `queueOverrides` shortens visibility timeout / maxReceiveCount so redelivery tests take seconds. */
export async function createTestAws(name = "t", queueOverrides?: QueueOverrides): Promise<TestAws> {
  const endpoints = inject("awsEndpoints");
  // Only the integration project runs the global setup (vitest.config.ts); anywhere else the
  // endpoints are missing and the SDK would go looking for real AWS. Say so instead.
  if (!endpoints) {
    throw new Error(
      "createTestAws: no emulator endpoints. This test needs the emulators: it belongs to the integration project, not unit (see UNIT in vitest.config.ts).",
    );
  }
  const prefix = `${name}-${randomBytes(4).toString("hex")}`;
  const clients = createAwsClients({ endpoints, maxAttempts: 1 });
  const queues = await createQueues(clients.sqs, prefix, queueOverrides);
  const tables = await createTables(clients.dynamodb, prefix);
  return { prefix, clients, endpoints, queues, tables };
}
