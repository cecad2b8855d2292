/**
 * A new incident names the previous one of its group (`previous`): real ingest and analyze on
 * the emulators; the lookup is one Query on the workload's (or node's) index on the opening
 * analysis only, and later analyses keep it.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createResolveHandler } from "../../functions/resolve/handler.ts";
import { createTestAws, type TestAws } from "../support/aws.ts";
import { quiet } from "../support/lambda.ts";
import { at, containerOom, memoryPressure } from "../domain/fixtures.ts";
import { type Pipeline, pipeline, take } from "./pipeline.ts";

let aws: TestAws;
let p: Pipeline;
beforeAll(async () => {
  aws = await createTestAws("analyze-previous");
  p = pipeline(aws);
});

const resolveAt = (iso: string) =>
  createResolveHandler({
    sqs: aws.clients.sqs,
    doc: aws.clients.doc,
    tableName: aws.tables.incidents,
    notifyQueueUrl: aws.queues.notify.url,
    now: () => new Date(iso),
    logger: quiet,
  })();

/** The incident the occurrence opened or joined (the one notify request of its analysis). */
async function incidentOf(...args: Parameters<Pipeline["run"]>) {
  const [request] = await p.run(...args);
  return (await p.incident(request!.incidentId))!;
}

describe("previous incident", () => {
  it("1st: none; 2nd and 3rd name the last one with the count in 7 days; another container and a repeat change nothing", async () => {
    // The policy's group window is 60 min: each OOM below opens an incident of its own.
    const first = await incidentOf([containerOom({ finishedAt: at(0) })]);
    expect(first.previous).toBeUndefined();

    const second = await incidentOf([containerOom({ finishedAt: at(100) })]);
    expect(second.previous).toEqual({ incidentId: first.id, countLast7Days: 2 });

    // Another container of the same workload is another group.
    const sidecar = await incidentOf([containerOom({ finishedAt: at(150), container: { name: "sidecar" } })]);
    expect(sidecar.id).not.toBe(second.id);
    expect(sidecar.previous).toBeUndefined();

    const resolvedAt = new Date(at(170)).toISOString();
    expect((await resolveAt(resolvedAt)).resolved.map((i) => i.id)).toContain(second.id);
    await take(aws, aws.queues.notify.url);

    const third = await incidentOf([containerOom({ finishedAt: at(200) })]);
    expect(third.previous).toEqual({ incidentId: second.id, resolvedAt, countLast7Days: 3 });

    // The 4th OOM within the hour escalates: analysed again, it keeps what the opening analysis found.
    const notes = await p.run([205, 210, 215].map((m) => containerOom({ finishedAt: at(m) })));
    expect(notes.map((n) => [n.incidentId, n.change])).toEqual([[third.id, "escalated"]]);
    expect((await p.incident(third.id))?.previous).toEqual(third.previous);

    // Eight days later the earlier ones are out of the 7-day count.
    const later = await incidentOf([containerOom({ finishedAt: at(8 * 24 * 60 + 200) })]);
    expect(later.previous).toBeUndefined();
  });

  it("node incidents look on the node's index", async () => {
    const node = { name: "node-previous" };
    const first = await incidentOf([memoryPressure({ at: at(5000), node })]);
    const second = await incidentOf([memoryPressure({ at: at(5100), node })]);
    expect(first.previous).toBeUndefined();
    expect(second.previous).toEqual({ incidentId: first.id, countLast7Days: 2 });
  });
});
