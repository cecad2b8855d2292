/** Ingest wired to a test's own queues and table, for the ingest and analyze tests. */
import type { IngestDeps } from "../../functions/ingest/handler.ts";
import type { TestAws } from "../support/aws.ts";
import { quiet } from "../support/lambda.ts";

export function ingestDeps(aws: TestAws, over: Partial<IngestDeps> = {}): IngestDeps {
  return {
    sqs: aws.clients.sqs,
    doc: aws.clients.doc,
    tableName: aws.tables.incidents,
    analyzeQueueUrl: aws.queues.analyze.url,
    eventsDlqUrl: aws.queues.events.dlqUrl,
    logger: quiet,
    ...over,
  };
}
