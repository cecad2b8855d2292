import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { describe, expect, test } from "vitest";
import { assignIncident } from "../../functions/ingest/group-state.ts";
import type { Occurrence } from "../../shared/schema/occurrence.ts";
import { isConditionFailure, WriteContentionError } from "../../shared/storage/conditions.ts";
import type { PipelineStore } from "../../shared/storage/pipeline-store.ts";

describe("conditional writes", () => {
  test("a condition failure is recognised as an SDK instance and by name (local emulator)", () => {
    expect(isConditionFailure(new ConditionalCheckFailedException({ message: "no", $metadata: {} }))).toBe(true);
    expect(isConditionFailure(Object.assign(new Error("no"), { name: "ConditionalCheckFailedException" }))).toBe(true);
    expect(isConditionFailure(new Error("ResourceNotFoundException"))).toBe(false);
    expect(isConditionFailure(undefined)).toBe(false);
  });

  test("a group that every attempt loses signals WriteContentionError", async () => {
    let touches = 0;
    const store = {
      getGroup: async () => ({ groupKey: "g", incidentId: "inc-1", openedBy: "k0", firstSeen: "2024-05-01T10:00:00.000Z", lastSeen: "2024-05-01T10:00:00.000Z" }),
      touchGroup: async () => {
        touches++;
        return false; // another writer moved the group each time
      },
      openGroup: async () => false,
    } as unknown as PipelineStore;
    const o = { key: "k1", occurredAt: "2024-05-01T10:01:00Z" } as Occurrence;
    const err = await assignIncident(store, "g", o, 30).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WriteContentionError);
    expect(err).toMatchObject({ name: "WriteContentionError", subject: "group g", attempts: touches });
    expect(touches).toBeGreaterThan(1);
  });
});
