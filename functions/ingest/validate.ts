/**
 * Classifies an events-queue record body: a valid occurrence, or a poison message
 * that can never succeed (and goes to the events DLQ at once instead of retrying).
 * Parsing and the reason are shared/record-body.ts's; the DLQ cuts the reason to its limit.
 */
import { parseRecordBody } from "../../shared/record-body.ts";
import { OCCURRENCE_VERSION, type Occurrence, OccurrenceSchema } from "../../shared/schema/occurrence.ts";

export type PoisonCode = "INVALID_JSON" | "SCHEMA" | "UNSUPPORTED_VERSION";

export type Validation = { ok: true; occurrence: Occurrence } | { ok: false; code: PoisonCode; reason: string };

/** The body's `version` when it is a JSON object that has one (read again only for a body the schema refused). */
function versionOf(body: string): unknown {
  const raw: unknown = JSON.parse(body);
  return raw !== null && typeof raw === "object" ? (raw as { version?: unknown }).version : undefined;
}

export function validateOccurrence(body: string): Validation {
  const parsed = parseRecordBody(body, OccurrenceSchema);
  if (parsed.ok) return { ok: true, occurrence: parsed.value };
  if (parsed.code === "INVALID_JSON") return { ok: false, code: "INVALID_JSON", reason: `body is not JSON: ${parsed.reason}` };
  // Another version fails the schema (its version is a literal): say which, not every field it trips over.
  const version = versionOf(body);
  if (version !== undefined && version !== OCCURRENCE_VERSION) {
    return { ok: false, code: "UNSUPPORTED_VERSION", reason: `occurrence version ${JSON.stringify(version)} is not supported (expected ${OCCURRENCE_VERSION})` };
  }
  return { ok: false, code: "SCHEMA", reason: parsed.reason };
}
