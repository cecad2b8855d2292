/** ReportBatchItemFailures rules (pure). */
import { describe, expect, test } from "vitest";
import { interpretBatchResponse } from "../../sandbox/lambda-runner/batch-response.ts";

const ids = ["m1", "m2"];

describe("interpretBatchResponse", () => {
  test.each([undefined, null, {}, { batchItemFailures: [] }, { batchItemFailures: null }])("%j: all records succeed", (response) => {
    expect(interpretBatchResponse(response, ids)).toEqual({ valid: true, failedIds: new Set() });
  });

  test("listed message ids fail, the others succeed", () => {
    expect(interpretBatchResponse({ batchItemFailures: [{ itemIdentifier: "m2" }] }, ids)).toEqual({ valid: true, failedIds: new Set(["m2"]) });
  });

  test.each([
    ["an unknown id", { batchItemFailures: [{ itemIdentifier: "m9" }] }],
    ["an empty id", { batchItemFailures: [{ itemIdentifier: "" }] }],
    ["a null id", { batchItemFailures: [{ itemIdentifier: null }] }],
    ["a wrongly named key", { batchItemFailures: [{ itemId: "m1" }] }],
    ["a non-list", { batchItemFailures: "m1" }],
    ["a string response", "ok"],
  ])("%s fails the whole batch", (_name, response) => {
    expect(interpretBatchResponse(response, ids).valid).toBe(false);
  });
});
