/**
 * Conditional writes are how the pipeline stays correct under concurrent and
 * repeated deliveries: a failed condition means another writer got there first
 * (or this write was already done), which callers decide about, never an outage.
 */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";

/** A write's condition did not hold. Checked by name too: the local emulator's errors are not SDK class instances. */
export function isConditionFailure(err: unknown): boolean {
  return err instanceof ConditionalCheckFailedException || (err as { name?: string } | undefined)?.name === "ConditionalCheckFailedException";
}

/**
 * Other writers won every attempt of an optimistic read-decide-write loop. The
 * record is failed so SQS retries it later, when the burst has passed; `cause`
 * is the last condition failure when there was one.
 */
export class WriteContentionError extends Error {
  override readonly name = "WriteContentionError";
  constructor(
    /** What was contended, e.g. `group <key>` or `incident <id>`. */
    readonly subject: string,
    readonly attempts: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${subject}: ${message}`, options);
  }
}
