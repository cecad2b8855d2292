/** Starts one in-memory SQS + DynamoDB emulator pair on random loopback ports for the whole run. */
import type { TestProject } from "vitest/node";
import { startLocalAws, type LocalAws } from "../../sandbox/local-aws.ts";

let aws: LocalAws | undefined;

export async function setup(project: TestProject): Promise<void> {
  aws = await startLocalAws();
  project.provide("awsEndpoints", aws.endpoints);
}

export async function teardown(): Promise<void> {
  await aws?.stop();
}

declare module "vitest" {
  export interface ProvidedContext {
    awsEndpoints: { sqs: string; dynamodb: string };
  }
}
