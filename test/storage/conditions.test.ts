import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { describe, expect, test } from "vitest";
import { assignIncidents } from "../../functions/ingest/group-state.ts";
import { DEFAULT_POLICY } from "../../shared/domain/policy.ts";
import { tallyOf } from "../../shared/domain/incident-tally.ts";
import { containerOom } from "../domain/fixtures.ts";
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
      getGroup: async () => ({ groupKey: "g", incidentId: "inc-1", openedBy: "k0", firstSeen: "2024-05-01T10:00:00.000Z", lastSeen: "2024-05-01T10:00:00.000Z", version: 1, tally: tallyOf([], DEFAULT_POLICY) }),
      putGroup: async () => {
        touches++;
        return false; // another writer moved the group each time
      },
    } as unknown as PipelineStore;
    const o = containerOom({ finishedAt: "2024-05-01T10:01:00Z" });
    const err = await assignIncidents(store, "g", [o], DEFAULT_POLICY, () => new Date()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WriteContentionError);
    expect(err).toMatchObject({ name: "WriteContentionError", subject: "group g", attempts: touches });
    expect(touches).toBeGreaterThan(1);
  });
});
