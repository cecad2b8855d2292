/**
 * Operational alarms of the pipeline, all to the alarm topic: a DLQ holding anything, a main
 * queue falling behind, a function failing or being throttled.
 */
import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import type * as sns from "aws-cdk-lib/aws-sns";
import { Construct } from "constructs";
import type { FunctionId, QueueId } from "../../shared/resources.ts";
import type { QueuePair } from "./pipeline-queues.ts";

export interface PipelineAlarmsProps {
  readonly queues: Readonly<Record<QueueId, QueuePair>>;
  /** The queue-driven functions and the scheduled resolver (it runs every minute without retries). */
  readonly functions: Readonly<Record<FunctionId | "resolve", lambda.IFunction>>;
  readonly topic: sns.ITopic;
  readonly maxMessageAgeSeconds: number;
}

const ONE_MINUTE = Duration.minutes(1);
const FIVE_MINUTES = Duration.minutes(5);

export class PipelineAlarms extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: PipelineAlarmsProps) {
    super(scope, id);
    const action = new SnsAction(props.topic);
    // Every alarm fires when its metric goes above a threshold; no data (idle pipeline) is fine.
    const add = (alarmId: string, description: string, metric: cloudwatch.IMetric, threshold: number, evaluationPeriods = 1) => {
      const alarm = new cloudwatch.Alarm(this, alarmId, {
        alarmDescription: `oomwatch: ${description}`,
        metric,
        threshold,
        evaluationPeriods,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
      this.alarms.push(alarm);
    };

    for (const [queueId, { queue, dlq }] of Object.entries(props.queues)) {
      const visible = dlq.metricApproximateNumberOfMessagesVisible({ period: ONE_MINUTE, statistic: "Maximum" });
      add(`${queueId}DlqMessages`, `messages in the ${queueId} DLQ (inspect, fix, redrive)`, visible, 0);
      const age = queue.metricApproximateAgeOfOldestMessage({ period: ONE_MINUTE, statistic: "Maximum" });
      const behind = `the ${queueId} queue is falling behind (oldest message older than ${props.maxMessageAgeSeconds}s for 5 minutes)`;
      add(`${queueId}OldestMessage`, behind, age, props.maxMessageAgeSeconds, 5);
    }

    for (const [functionId, fn] of Object.entries(props.functions)) {
      // Errors are unhandled failures (crash, timeout); record-level failures are retried by SQS.
      const errors = fn.metricErrors({ period: FIVE_MINUTES, statistic: "Sum" });
      add(`${functionId}Errors`, `the ${functionId} function failed (crash or timeout)`, errors, 0);
      const throttles = fn.metricThrottles({ period: FIVE_MINUTES, statistic: "Sum" });
      add(`${functionId}Throttles`, `the ${functionId} function is throttled (account concurrency exhausted?)`, throttles, 0);
    }
  }
}
