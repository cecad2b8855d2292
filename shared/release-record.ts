/**
 * Hands a record back to its queue to be retried in seconds: ChangeMessageVisibility to a
 * short, jittered timeout before the record is reported as a batch item failure. Without
 * it SQS retries only after the queue's visibility timeout (6× the function timeout, i.e.
 * minutes). The event source's grant (sqs:ChangeMessageVisibility, sqs:GetQueueUrl on the
 * function's own queue) covers both calls.
 */
import { ChangeMessageVisibilityCommand, GetQueueUrlCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { SQSRecord } from "aws-lambda";

export interface ReleaseOptions {
  /** Visibility for the first failed receive; doubles with each further receive (so a lasting cause does not burn maxReceiveCount in seconds). */
  baseSeconds?: number;
  maxSeconds?: number;
  random?: () => number;
}

const DEFAULTS = { baseSeconds: 1, maxSeconds: 30 };

/**
 * Seconds the record stays invisible: base × 2^(receives − 1) plus up to as much again of
 * jitter, so records that lost the same race do not come back together. Whole seconds (SQS).
 */
export function releaseSeconds(record: Pick<SQSRecord, "attributes">, opts: ReleaseOptions = {}): number {
  const { baseSeconds, maxSeconds } = { ...DEFAULTS, ...opts };
  const receives = Math.max(1, Number(record.attributes?.ApproximateReceiveCount) || 1);
  const base = Math.min(maxSeconds, baseSeconds * 2 ** (receives - 1));
  return Math.min(maxSeconds, Math.round(base + (opts.random ?? Math.random)() * base));
}

/** Queue URLs by client and queue ARN: one GetQueueUrl per queue and cold start (per client: the sandbox runs several endpoints in one process). */
const urlsByClient = new WeakMap<SQSClient, Map<string, Promise<string>>>();

function queueUrlOf(sqs: SQSClient, arn: string): Promise<string> {
  const urls = urlsByClient.get(sqs) ?? new Map<string, Promise<string>>();
  urlsByClient.set(sqs, urls);
  let url = urls.get(arn);
  if (!url) {
    // arn:aws:sqs:<region>:<account>:<name>
    const [, , , , account, name] = arn.split(":");
    if (!account || !name) throw new Error(`not an SQS queue ARN: ${arn}`);
    url = sqs.send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account })).then((out) => {
      if (!out.QueueUrl) throw new Error(`no URL for queue ${arn}`);
      return out.QueueUrl;
    });
    url.catch(() => urls.delete(arn));
    urls.set(arn, url);
  }
  return url;
}

/**
 * Makes `record` visible again after releaseSeconds(record). Returns the seconds, or
 * undefined when SQS refused (the record then waits out the visibility timeout as before:
 * slower, never lost), with the reason passed to `onError`.
 */
export async function releaseSoon(sqs: SQSClient, record: SQSRecord, opts: ReleaseOptions & { onError?: (err: unknown) => void } = {}): Promise<number | undefined> {
  const seconds = releaseSeconds(record, opts);
  try {
    const QueueUrl = await queueUrlOf(sqs, record.eventSourceARN);
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: record.receiptHandle, VisibilityTimeout: seconds }));
    return seconds;
  } catch (err) {
    opts.onError?.(err);
    return undefined;
  }
}
