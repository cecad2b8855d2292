/**
 * AWS SDK v3 clients. The only place where local and cloud differ: an endpoint
 * override (and dummy credentials) when running against the sandbox emulators.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

export interface AwsEndpoints {
  sqs?: string;
  dynamodb?: string;
  eventbridge?: string;
  secretsmanager?: string;
}

export interface AwsClientOptions {
  region?: string;
  endpoints?: AwsEndpoints;
  /** Retries of the SDK itself; the pipeline retries through SQS, so keep this small. */
  maxAttempts?: number;
}

export interface AwsClients {
  sqs: SQSClient;
  dynamodb: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  eventbridge: EventBridgeClient;
  secrets: SecretsManagerClient;
}

// Emulators accept any credentials; fixed ones avoid reading ~/.aws on a laptop.
const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

function base(options: AwsClientOptions, endpoint: string | undefined) {
  return {
    region: options.region ?? process.env.AWS_REGION ?? "us-east-1",
    maxAttempts: options.maxAttempts ?? 3,
    ...(endpoint ? { endpoint, credentials: LOCAL_CREDENTIALS } : {}),
  };
}

/**
 * The SQS client alone, for a process that needs nothing else (the forwarder): a bundle that calls
 * only this leaves the other SDK clients out, and their code out of its memory.
 */
export function createSqsClient(options: AwsClientOptions = {}): SQSClient {
  return new SQSClient(base(options, options.endpoints?.sqs));
}

export function createAwsClients(options: AwsClientOptions = {}): AwsClients {
  const e = options.endpoints ?? {};
  const dynamodb = new DynamoDBClient(base(options, e.dynamodb));
  return {
    sqs: createSqsClient(options),
    dynamodb,
    doc: DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } }),
    eventbridge: new EventBridgeClient(base(options, e.eventbridge)),
    secrets: new SecretsManagerClient(base(options, e.secretsmanager)),
  };
}

/** Endpoints from the standard service-specific env variables (AWS_ENDPOINT_URL_SQS, ...). */
export function endpointsFromEnv(env: NodeJS.ProcessEnv = process.env): AwsEndpoints {
  return {
    sqs: env.AWS_ENDPOINT_URL_SQS,
    dynamodb: env.AWS_ENDPOINT_URL_DYNAMODB,
    eventbridge: env.AWS_ENDPOINT_URL_EVENTBRIDGE,
    secretsmanager: env.AWS_ENDPOINT_URL_SECRETS_MANAGER,
  };
}
