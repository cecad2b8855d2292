/**
 * How the Lambda SQS event source (with ReportBatchItemFailures) reads a handler's
 * return value. Rules from the AWS docs ("Handling errors for an SQS event source"):
 * success for an absent/null response or an absent/null/empty `batchItemFailures`;
 * the WHOLE batch fails for a malformed response or an item whose `itemIdentifier`
 * is missing, empty or not a message id of this batch.
 */

export type BatchOutcome =
  /** `failedIds` lists records to leave on the queue; the rest are deleted. */
  | { valid: true; failedIds: Set<string> }
  | { valid: false; reason: string };

export function interpretBatchResponse(response: unknown, messageIds: readonly string[]): BatchOutcome {
  if (response === undefined || response === null) return { valid: true, failedIds: new Set() };
  if (typeof response !== "object" || Array.isArray(response)) {
    return { valid: false, reason: "invalid response: not a JSON object" };
  }
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return { valid: true, failedIds: new Set() };
  if (!Array.isArray(failures)) return { valid: false, reason: "invalid response: batchItemFailures is not a list" };
  const known = new Set(messageIds);
  const failedIds = new Set<string>();
  for (const item of failures) {
    const id = (item as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== "string" || id === "") return { valid: false, reason: "invalid response: missing or empty itemIdentifier" };
    if (!known.has(id)) return { valid: false, reason: `invalid response: itemIdentifier ${id} is not in the batch` };
    failedIds.add(id);
  }
  return { valid: true, failedIds };
}
