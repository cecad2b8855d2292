/**
 * Parses an SQS record body against a schema, telling a body that can never succeed
 * (not JSON, or not the schema) apart with a short reason: such records go to their
 * queue's DLQ at once (shared/dead-letter.ts) instead of being retried to the redrive limit.
 */
import type * as z from "./schema/zod.ts";

export type BodyParse<T> = { ok: true; value: T } | { ok: false; code: "INVALID_JSON" | "SCHEMA"; reason: string };

export function parseRecordBody<S extends z.ZodMiniType>(body: string, schema: S): BodyParse<z.infer<S>> {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch (e) {
    return { ok: false, code: "INVALID_JSON", reason: e instanceof Error ? e.message : "not JSON" };
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, value: parsed.data };
  const reason = parsed.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
    .join("; ");
  return { ok: false, code: "SCHEMA", reason };
}
