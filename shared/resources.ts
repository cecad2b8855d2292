/**
 * The one definition of every queue, table and function setting.
 * The CDK app (infra/) and the local sandbox (sandbox/) both read this file,
 * so what runs on a laptop and what runs in AWS cannot drift apart.
 */

export type QueueId = "events" | "analyze" | "notify";
export type FunctionId = "ingest" | "analyze" | "notify";

export interface QueueDefinition {
  /** Base name; a deployment or sandbox prefix is added by {@link queueName}. */
  readonly name: string;
  readonly dlqName: string;
  /** Receives before SQS moves a message to the DLQ. */
  readonly maxReceiveCount: number;
  /** At least 6x the consuming function's timeout (AWS guidance for Lambda event sources). */
  readonly visibilityTimeoutSeconds: number;
  /** 4 days: covers a weekend outage of a downstream function. */
  readonly retentionSeconds: number;
  /** DLQs keep messages for the SQS maximum (14 days) so nothing is lost before someone looks. */
  readonly dlqRetentionSeconds: number;
}

export interface FunctionDefinition {
  readonly queue: QueueId;
  /** Queue the function hands its output to, if any. */
  readonly output?: QueueId;
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  readonly timeoutSeconds: number;
  /** Event-source max concurrency (SQS event sources accept 2..1000). */
  readonly maxConcurrency: number;
  readonly memoryMb: number;
}

export const FUNCTIONS: Readonly<Record<FunctionId, FunctionDefinition>> = {
  // Cheap per record (validate + a few conditional writes): full batches of 10, short timeout.
  // No batching window: an on-call engineer waits for every second it would add, and
  // AWS requires a window of at least 1 s for batches above 10, so 10 is the sweet spot.
  ingest: {
    queue: "events",
    output: "analyze",
    batchSize: 10,
    maxBatchingWindowSeconds: 0,
    timeoutSeconds: 30,
    maxConcurrency: 5,
    memoryMb: 512,
  },
  // Talks to the Kubernetes API per incident: smaller batches, longer timeout.
  analyze: {
    queue: "analyze",
    output: "notify",
    batchSize: 10,
    maxBatchingWindowSeconds: 0,
    timeoutSeconds: 60,
    maxConcurrency: 5,
    memoryMb: 1024,
  },
  // Slack allows about 1 message/second/channel: concurrency 2 keeps the whole
  // function inside that budget for a handful of channels.
  notify: {
    queue: "notify",
    batchSize: 5,
    maxBatchingWindowSeconds: 0,
    timeoutSeconds: 30,
    maxConcurrency: 2,
    memoryMb: 512,
  },
};

/** The resolver: not behind a queue, invoked by an EventBridge schedule (AWS) or a timer (sandbox). */
export const RESOLVER = {
  /** How often it runs: resolutions show within a minute of the window ending. */
  everyMinutes: 1,
  /** Hands resolved incidents to notify. */
  output: "notify" as QueueId,
  /** Index pages (up to 10, until `batch` incidents are not held by node pressure), a BatchGet of the node incidents' pressure states per page, and a conditional write plus a SendMessage per due incident (at most `batch`). */
  timeoutSeconds: 60,
  memoryMb: 256,
  batch: 100,
} as const;

const FOUR_DAYS = 4 * 24 * 3600;
const FOURTEEN_DAYS = 14 * 24 * 3600;

function queueFor(base: string, consumer: FunctionId): QueueDefinition {
  return {
    name: base,
    dlqName: `${base}-dlq`,
    maxReceiveCount: 5,
    visibilityTimeoutSeconds: FUNCTIONS[consumer].timeoutSeconds * 6,
    retentionSeconds: FOUR_DAYS,
    dlqRetentionSeconds: FOURTEEN_DAYS,
  };
}

export const QUEUES: Readonly<Record<QueueId, QueueDefinition>> = {
  events: queueFor("oomwatch-events", "ingest"),
  analyze: queueFor("oomwatch-analyze", "analyze"),
  notify: queueFor("oomwatch-notify", "notify"),
};

export interface IndexDefinition {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey: string;
}

/**
 * Single table for incidents, occurrences and grouping state.
 *
 * Item types (pk / sk):
 * - incident:   `INC#<id>` / `INCIDENT`            (carries the GSI attributes below)
 * - occurrence: `OCC#<occurrenceKey>` / `OCC`       (dedup marker + occurrence body)
 * - group:      `GROUP#<groupKey>` / `GROUP`        (current incident of a group)
 * Only incident items carry the index attributes, so every index is sparse and
 * a query never reads occurrences or group state.
 * Index sort key `timeKey` = `<firstSeen ISO>#<incident id>`: time ranges are `BETWEEN`.
 */
export const INCIDENTS_TABLE = {
  name: "oomwatch-incidents",
  partitionKey: "pk",
  sortKey: "sk",
  ttlAttribute: "expiresAt",
  /** Days an incident is kept before DynamoDB TTL removes it. */
  retentionDays: 90,
  indexes: {
    /** `CLUSTER#<cluster>`: every incident of a cluster by time. */
    byCluster: { name: "byCluster", partitionKey: "clusterKey", sortKey: "timeKey" },
    /** `NS#<cluster>#<namespace>` */
    byNamespace: { name: "byNamespace", partitionKey: "namespaceKey", sortKey: "timeKey" },
    /** `WL#<cluster>#<namespace>#<workloadKind>/<workloadName>` */
    byWorkload: { name: "byWorkload", partitionKey: "workloadKey", sortKey: "timeKey" },
    /** `NODE#<cluster>#<node>` */
    byNode: { name: "byNode", partitionKey: "nodeKey", sortKey: "timeKey" },
    /** `LEVEL#<cluster>#<level>` */
    byLevel: { name: "byLevel", partitionKey: "levelKey", sortKey: "timeKey" },
    /**
     * Open incidents only (`openKey` = `OPEN`, removed on resolution), sorted by `openSort` =
     * `<lastSeen ISO>#<incident id>`: the incidents quiet since a moment are one range query.
     */
    byOpen: { name: "byOpen", partitionKey: "openKey", sortKey: "openSort" },
  },
} as const satisfies {
  name: string;
  partitionKey: string;
  sortKey: string;
  ttlAttribute: string;
  retentionDays: number;
  indexes: Record<string, IndexDefinition>;
};

/** Names with a deployment/sandbox prefix, e.g. `test-ab12-oomwatch-events`. */
export function resourceName(base: string, prefix = ""): string {
  return prefix ? `${prefix}-${base}` : base;
}

/** SQS limit is 256 KiB; we stay well under it so attributes and envelopes fit. */
export const MAX_MESSAGE_BYTES = 200 * 1024;

/** EventBridge source of severity events. */
export const EVENT_SOURCE = "oomwatch";

/** CloudWatch namespace of every function's metrics (split by the `service` dimension): set by the stack and used at each cold start. */
export const METRICS_NAMESPACE = "oomwatch";
