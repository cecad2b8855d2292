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
 * One factory per client: a process calls only those it uses, so its bundle carries only those
 * SDK packages (they are side-effect free; esbuild drops the rest) and their code stays out of its
 * memory. Each SDK client package adds 15 to 75 KiB minified to a bundle; the functions are held to
 * 500 KiB, and the forwarder needs only SQS.
 */
export function createSqsClient(options: AwsClientOptions = {}): SQSClient {
  return new SQSClient(base(options, options.endpoints?.sqs));
}

/** The low-level client and the document client on top of it (the pipeline's storage uses the latter). */
export function createDynamoDbClients(options: AwsClientOptions = {}): Pick<AwsClients, "dynamodb" | "doc"> {
  const dynamodb = new DynamoDBClient(base(options, options.endpoints?.dynamodb));
  return { dynamodb, doc: DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } }) };
}

export function createEventBridgeClient(options: AwsClientOptions = {}): EventBridgeClient {
  return new EventBridgeClient(base(options, options.endpoints?.eventbridge));
}

export function createSecretsClient(options: AwsClientOptions = {}): SecretsManagerClient {
  return new SecretsManagerClient(base(options, options.endpoints?.secretsmanager));
}

/** Every client: the sandbox, the CLI and tests, which use several parts' clients at once. */
export function createAwsClients(options: AwsClientOptions = {}): AwsClients {
  return {
    sqs: createSqsClient(options),
    ...createDynamoDbClients(options),
    eventbridge: createEventBridgeClient(options),
    secrets: createSecretsClient(options),
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
