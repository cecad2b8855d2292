/**
 * Classifies an events-queue record body: a valid occurrence, or a poison message
 * that can never succeed (and goes to the events DLQ at once instead of retrying).
 */
import * as z from "../../shared/schema/zod.ts";
import { OCCURRENCE_VERSION, type Occurrence, OccurrenceSchema } from "../../shared/schema/occurrence.ts";

export type PoisonCode = "INVALID_JSON" | "SCHEMA" | "UNSUPPORTED_VERSION";

export type Validation = { ok: true; occurrence: Occurrence } | { ok: false; code: PoisonCode; reason: string };

/** Message attribute values are limited; a readable reason fits in far less. */
export const MAX_REASON_CHARS = 1000;

const trim = (s: string) => (s.length > MAX_REASON_CHARS ? `${s.slice(0, MAX_REASON_CHARS - 1)}…` : s);

export function validateOccurrence(body: string): Validation {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch (err) {
    return { ok: false, code: "INVALID_JSON", reason: trim(`body is not JSON: ${(err as Error).message}`) };
  }
  const version = (raw as { version?: unknown } | null)?.version;
  if (raw !== null && typeof raw === "object" && version !== undefined && version !== OCCURRENCE_VERSION) {
    return { ok: false, code: "UNSUPPORTED_VERSION", reason: trim(`occurrence version ${JSON.stringify(version)} is not supported (expected ${OCCURRENCE_VERSION})`) };
  }
  const parsed = OccurrenceSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, code: "SCHEMA", reason: trim(z.prettifyError(parsed.error).replace(/\s*\n\s*/g, "; ")) };
  return { ok: true, occurrence: parsed.data };
}
