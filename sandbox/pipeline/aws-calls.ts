/**
 * Every AWS API call each part of the pipeline makes, as IAM sees it: the caller (a
 * function or the forwarder), the service and operation, and the resource it names
 * (queue URL, table and index, secret, event bus). Each part gets its own SDK clients
 * with a recording middleware, so a test can prove each role's policy by use
 * (test/sandbox/iam-by-use.test.ts).
 */
import { type AwsClients, type AwsEndpoints, createAwsClients } from "../../shared/clients/aws.ts";
import type { PipelineClientUser } from "./types.ts";

export interface AwsCall {
  caller: PipelineClientUser;
  /** IAM service prefix: `sqs`, `dynamodb`, `events`, `secretsmanager`. */
  service: string;
  /** The API operation, e.g. `SendMessageBatch`, `Query`. */
  operation: string;
  queueUrl?: string;
  table?: string;
  index?: string;
  secretId?: string;
  bus?: string;
}

type Input = Record<string, unknown> & { Entries?: { EventBusName?: string }[] };

/** What a call names, from its input (the same fields IAM resolves the resource from). */
function resourcesOf(service: string, input: Input): Omit<AwsCall, "caller" | "service" | "operation">[] {
  if (service === "sqs") return [{ ...(typeof input.QueueUrl === "string" ? { queueUrl: input.QueueUrl } : {}) }];
  if (service === "dynamodb") {
    const tables = typeof input.TableName === "string" ? [input.TableName] : Object.keys((input.RequestItems as object | undefined) ?? {});
    return tables.map((table) => ({ table, ...(typeof input.IndexName === "string" ? { index: input.IndexName } : {}) }));
  }
  if (service === "events") return [...new Set((input.Entries ?? []).map((e) => e.EventBusName ?? "default"))].map((bus) => ({ bus }));
  if (service === "secretsmanager") return [{ ...(typeof input.SecretId === "string" ? { secretId: input.SecretId } : {}) }];
  return [{}];
}

export class AwsCallLog {
  private readonly recorded: AwsCall[] = [];

  /** Clients for one part of the pipeline, recording every call it sends. */
  clientsFor(caller: PipelineClientUser, endpoints: AwsEndpoints): AwsClients {
    const clients = createAwsClients({ endpoints });
    const record = (service: string, stack: { add(middleware: never, options: never): void }) => {
      const middleware = (next: (args: { input: unknown }) => Promise<unknown>, context: { commandName?: string }) => async (args: { input: unknown }) => {
        const operation = String(context.commandName ?? "").replace(/Command$/, "");
        for (const resource of resourcesOf(service, args.input as Input)) this.recorded.push({ caller, service, operation, ...resource });
        return next(args);
      };
      stack.add(middleware as never, { step: "initialize", name: "oomwatchRecordAwsCall" } as never);
    };
    record("sqs", clients.sqs.middlewareStack);
    // The document client shares its client's middleware stack: its calls are recorded as the DynamoDB operations they are.
    record("dynamodb", clients.dynamodb.middlewareStack);
    record("events", clients.eventbridge.middlewareStack);
    record("secretsmanager", clients.secrets.middlewareStack);
    return clients;
  }

  calls(): AwsCall[] {
    return [...this.recorded];
  }
}
