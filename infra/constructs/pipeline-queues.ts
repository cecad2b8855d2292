/**
 * The three pipeline queues and their DLQs, exactly as shared/resources.ts defines them
 * (the sandbox creates the same queues on the local emulator from the same definitions).
 */
import { Duration } from "aws-cdk-lib";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { QUEUES, type QueueDefinition, type QueueId, resourceName } from "../../shared/resources.ts";

export interface QueuePair {
  readonly queue: sqs.Queue;
  readonly dlq: sqs.Queue;
}

export interface PipelineQueuesProps {
  readonly namePrefix: string;
}

function pair(scope: Construct, id: string, def: QueueDefinition, prefix: string): QueuePair {
  // SQS-managed SSE: encrypted at rest with no key policy to maintain; the producers
  // (forwarder, functions) then need no kms permissions.
  const common = { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true } as const;
  const dlq = new sqs.Queue(scope, `${id}Dlq`, {
    ...common,
    queueName: resourceName(def.dlqName, prefix),
    retentionPeriod: Duration.seconds(def.dlqRetentionSeconds),
  });
  const queue = new sqs.Queue(scope, `${id}Queue`, {
    ...common,
    queueName: resourceName(def.name, prefix),
    visibilityTimeout: Duration.seconds(def.visibilityTimeoutSeconds),
    retentionPeriod: Duration.seconds(def.retentionSeconds),
    deadLetterQueue: { queue: dlq, maxReceiveCount: def.maxReceiveCount },
  });
  return { queue, dlq };
}

export class PipelineQueues extends Construct {
  readonly byId: Readonly<Record<QueueId, QueuePair>>;

  constructor(scope: Construct, id: string, props: PipelineQueuesProps) {
    super(scope, id);
    this.byId = {
      events: pair(this, "Events", QUEUES.events, props.namePrefix),
      analyze: pair(this, "Analyze", QUEUES.analyze, props.namePrefix),
      notify: pair(this, "Notify", QUEUES.notify, props.namePrefix),
    };
  }
}
