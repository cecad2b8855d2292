/**
 * SQS batch plumbing for the three pipeline functions (ingest, analyze, notify):
 * Powertools' BatchProcessor with partial batch responses (a failed record is
 * retried alone), never throwing on a fully failed batch so the event source
 * always gets itemized failures. Records run inside the invocation's context
 * (shared/contention-retry.ts bounds its retries by the remaining time), and a record
 * that failed on expected contention is handed back to be retried in seconds
 * (shared/release-record.ts) rather than after the visibility timeout.
 */
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Logger } from "@aws-lambda-powertools/logger";
import type { Metrics } from "@aws-lambda-powertools/metrics";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { isContention, withInvocation } from "./contention-retry.ts";
import { type ReleaseOptions, releaseSoon } from "./release-record.ts";

/**
 * An SQS-triggered Lambda handler. Ours always answer with itemized failures;
 * Lambda (and so the sandbox's runner) also accepts no answer, meaning every
 * record succeeded: `SqsHandler<SQSBatchResponse | void>`.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: the runner's variant matches aws-lambda's SQSHandler, so `async () => {}` handlers fit.
export type SqsHandler<Response extends SQSBatchResponse | undefined | void = SQSBatchResponse> = (event: SQSEvent, context: Context) => Promise<Response>;

export type RecordProcessor = (record: SQSRecord) => Promise<void>;

export interface BatchOptions {
  /** Process the records one after another, in queue order (notify: a batch can stop early). Default: in parallel. */
  inOrder?: boolean;
  /**
   * Hand records that failed on expected contention back with a short visibility (the
   * client of the function's own queue). Without it they wait out the visibility timeout.
   */
  release?: ReleaseOptions & {
    sqs: SQSClient;
    /** Which failures a retry in seconds resolves; default: WriteContentionError. */
    when?: (err: unknown) => boolean;
  };
}

/** A handler that processes every record with `processRecord`. */
export function sqsBatchHandler(processRecord: RecordProcessor, logger: Logger, metrics?: Metrics, options: BatchOptions = {}): SqsHandler {
  return sqsBatchHandlerPerBatch(() => processRecord, logger, metrics, options);
}

/** A handler whose record processor is made anew for each batch (for state that lives as long as the batch). */
export function sqsBatchHandlerPerBatch(
  forBatch: (event: SQSEvent, context: Context) => RecordProcessor,
  logger: Logger,
  metrics?: Metrics,
  options: BatchOptions = {},
): SqsHandler {
  return async (event, context) => {
    const processor = new BatchProcessor(EventType.SQS);
    const handle = forBatch(event, context);
    const { release } = options;
    const processRecord: RecordProcessor = (record) =>
      withInvocation(context, async () => {
        try {
          await handle(record);
        } catch (err) {
          if (release && (release.when ?? isContention)(err)) {
            const seconds = await releaseSoon(release.sqs, record, {
              ...release,
              onError: (e) => logger.warn("could not hand the record back early; it waits out the visibility timeout", { messageId: record.messageId, error: String(e) }),
            });
            if (seconds !== undefined) logger.info("contended record handed back", { messageId: record.messageId, visibleInSeconds: seconds, error: String(err) });
          } else logger.warn("record failed", { messageId: record.messageId, error: String(err) });
          throw err;
        }
      });
    const response = await processPartialResponse(event, processRecord, processor, {
      context,
      throwOnFullBatchFailure: false,
      ...(options.inOrder ? { processInParallel: false } : {}),
    });
    for (const f of response.batchItemFailures) logger.warn("record will be retried", { messageId: f.itemIdentifier });
    metrics?.publishStoredMetrics();
    return response;
  };
}
