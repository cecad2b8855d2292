/**
 * SQS batch plumbing shared by ingest and analyze: Powertools' BatchProcessor with
 * partial batch responses (a failed record is retried alone), never throwing on a
 * fully failed batch so the event source always gets itemized failures.
 */
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Logger } from "@aws-lambda-powertools/logger";
import type { Metrics } from "@aws-lambda-powertools/metrics";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export function sqsBatchHandler(processRecord: (record: SQSRecord) => Promise<void>, logger: Logger, metrics?: Metrics): SqsHandler {
  return async (event, context) => {
    const processor = new BatchProcessor(EventType.SQS);
    const response = await processPartialResponse(event, processRecord, processor, { context, throwOnFullBatchFailure: false });
    for (const f of response.batchItemFailures) logger.warn("record will be retried", { messageId: f.itemIdentifier });
    metrics?.publishStoredMetrics();
    return response;
  };
}
