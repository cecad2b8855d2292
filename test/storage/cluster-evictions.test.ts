/**
 * The mass-eviction count: each asked time gets the evictions in the window up to it, counted only
 * up to the threshold + 1, from one newest-first Query that reads no more than those entries and
 * the ones between the asked times (not every eviction in the window).
 */
import { expect, it } from "vitest";
import { RequestCounter } from "../../bench/request-counter.ts";
import { createAwsClients } from "../../shared/clients/aws.ts";
import { PipelineStore } from "../../shared/storage/pipeline-store.ts";
import { at } from "../domain/fixtures.ts";
import { createTestAws } from "../support/aws.ts";

it("answers each time from one bounded read, capped at the threshold", async () => {
  const aws = await createTestAws("cluster-evictions");
  const seed = new PipelineStore(aws.clients.doc, aws.tables.incidents);
  // 200 evictions, one every 6 seconds from minute 0 to 19.9; another cluster's must not count.
  await seed.putItems(Array.from({ length: 200 }, (_, i) => seed.clusterEvictionItem("prod-eu", `evict:${i}`, at(i / 10))));
  await seed.putItems([seed.clusterEvictionItem("staging", "evict:other", at(5))]);

  const own = createAwsClients({ endpoints: aws.endpoints, maxAttempts: 1 });
  const counter = new RequestCounter();
  counter.attach(own, "test");
  const store = new PipelineStore(own.doc, aws.tables.incidents);
  const threshold = { count: 10, windowMinutes: 30 };

  // Late in the storm, three times close together: all past the threshold.
  const late = await store.clusterEvictionsNear("prod-eu", [at(19.9), at(19.5), at(19.7)], threshold);
  expect(late).toEqual([1, 2, 3].map(() => ({ count: 11, capped: true })));
  // 11 up to the earliest time and the 4 after it: not the 200 in the window.
  expect(counter.itemsRead).toBe(11 + 4);
  expect(counter.total("DynamoDB")).toBeLessThanOrEqual(2);

  // Early: fewer than the threshold, counted exactly; before any: 0. Exact for a 30-minute window.
  expect(await store.clusterEvictionsNear("prod-eu", [at(0.5), at(-1)], threshold)).toEqual([
    { count: 6, capped: false },
    { count: 0, capped: false },
  ]);
  // The window ends 30 minutes back: at minute 40, only those from minute 10 on.
  expect(await store.clusterEvictionsNear("prod-eu", [at(40)], { count: 500, windowMinutes: 30 })).toEqual([{ count: 100, capped: false }]);
  expect(await store.clusterEvictionsNear("staging", [at(6)], threshold)).toEqual([{ count: 1, capped: false }]);
});
