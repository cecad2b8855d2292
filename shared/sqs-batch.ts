/**
 * SQS batch plumbing for the three pipeline functions (ingest, analyze, notify):
 * Powertools' BatchProcessor with partial batch responses (a failed record is
 * retried alone), never throwing on a fully failed batch so the event source
 * always gets itemized failures.
 */
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Logger } from "@aws-lambda-powertools/logger";
import type { Metrics } from "@aws-lambda-powertools/metrics";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";

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
    const response = await processPartialResponse(event, forBatch(event, context), processor, {
      context,
      throwOnFullBatchFailure: false,
      ...(options.inOrder ? { processInParallel: false } : {}),
    });
    for (const f of response.batchItemFailures) logger.warn("record will be retried", { messageId: f.itemIdentifier });
    metrics?.publishStoredMetrics();
    return response;
  };
}
