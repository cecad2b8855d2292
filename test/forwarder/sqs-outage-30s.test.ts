/** The full 30-second SQS outage of issue 3 (resilience.test.ts runs the same scenario for 3 s). */
import { afterEach, it } from "vitest";
import { baseCluster, sqsOutageScenario } from "./scenarios.ts";
import type { Harness } from "./support.ts";

let h: Harness;
afterEach(async () => {
  await h?.close();
});

it("30-second SQS outage: every occurrence delivered once", async () => {
  h = await baseCluster("fwd-sqs30");
  await sqsOutageScenario(h, 30_000);
}, 50_000);
