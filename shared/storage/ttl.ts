/**
 * The TTL attribute of every item in the incidents table (shared/resources.ts:
 * INCIDENTS_TABLE.ttlAttribute): epoch seconds, as DynamoDB TTL requires.
 */
import { INCIDENTS_TABLE } from "../resources.ts";

/** TTL (epoch seconds) `days` after `iso`. */
export function expiresAt(iso: string, days: number = INCIDENTS_TABLE.retentionDays): number {
  return Math.floor(Date.parse(iso) / 1000) + days * 86400;
}
