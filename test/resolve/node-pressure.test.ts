/**
 * Node incidents are over when quiet for the window AND their node's MemoryPressure has
 * cleared: real ingest and analyze on the emulators record the node's pressure from the
 * forwarder's messages, and the resolver holds the node's incidents open until the cleared
 * signal arrives. The cleared signal is not an occurrence: nothing is counted or posted for it.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createResolveHandler } from "../../functions/resolve/handler.ts";
import type { Occurrence } from "../../shared/schema/occurrence.ts";
import { createTestAws, type TestAws } from "../support/aws.ts";
import { quiet } from "../support/lambda.ts";
import { type Pipeline, pipeline, take } from "../analyze/pipeline.ts";
import { at, containerOom, memoryPressure, nodeOom } from "../domain/fixtures.ts";

const WINDOW_MIN = 60;
let aws: TestAws;
let p: Pipeline;
beforeAll(async () => {
  aws = await createTestAws("resolve-pressure");
  p = pipeline(aws);
});

const resolveAt = (iso: string) =>
  createResolveHandler({
    sqs: aws.clients.sqs,
    doc: aws.clients.doc,
    tableName: aws.tables.incidents,
    notifyQueueUrl: aws.queues.notify.url,
    policy: { groupWindowMinutes: WINDOW_MIN },
    now: () => new Date(iso),
    logger: quiet,
  })();

/** What the forwarder sends when the node's MemoryPressure turns False (forwarder/detect/node.ts). */
function cleared(when: string): Occurrence {
  const o = memoryPressure({ at: when, status: "False" });
  return { ...o, key: `pressure-cleared:${o.node}:${when}` };
}

describe("node incidents and MemoryPressure", () => {
  it("stay open while the node is under pressure, resolve once it cleared; a container incident does not wait", async () => {
    const [pressure] = await p.run([memoryPressure({ at: at(0) })]);
    const [oom] = await p.run([nodeOom({ at: at(1) })]);
    // Outside the correlation window: a container incident of its own, not part of the node OOM.
    const [container] = await p.run([containerOom({ finishedAt: at(10) })]);
    expect([pressure?.change, oom?.change, container?.change]).toEqual(["new", "new", "new"]);
    const nodeIncidents = [pressure!.incidentId, oom!.incidentId].sort();

    // Quiet for far longer than the window, but the node still reports MemoryPressure.
    const held = await resolveAt(at(WINDOW_MIN * 3));
    expect(held.resolved.map((i) => i.id)).toEqual([container!.incidentId]);
    await take(aws, aws.queues.notify.url);
    for (const id of nodeIncidents) expect((await p.incident(id))?.status).toBe("open");

    // The pressure clears: recorded, not counted, nothing posted.
    expect(await p.run([cleared(at(WINDOW_MIN * 3 + 5))])).toEqual([]);
    expect((await p.incident(pressure!.incidentId))?.occurrences).toBe(1);

    const after = await resolveAt(at(WINDOW_MIN * 3 + 6));
    // (The container incident is asked for again: no notify ran here to take it out of the open index.)
    expect(after.resolved.map((i) => i.id).filter((id) => id !== container!.incidentId).sort()).toEqual(nodeIncidents);
    for (const id of nodeIncidents) expect(await p.incident(id)).toMatchObject({ status: "resolved", resolvedAt: new Date(at(WINDOW_MIN * 3 + 6)).toISOString() });
    await take(aws, aws.queues.notify.url);
  });

  it("an out-of-order older pressure message does not undo a later clear, and a redelivered clear changes nothing", async () => {
    const node = { name: "node-order" };
    const [opened] = await p.run([memoryPressure({ at: at(1000), node })]);
    const clear = { ...cleared(at(1010)), node: "node-order", key: `pressure-cleared:node-order:${at(1010)}` };
    expect(await p.run([clear, clear])).toEqual([]);
    // The earlier True delivered again (at-least-once) after the clear: the later change stands.
    await p.run([memoryPressure({ at: at(1000), node })]);
    const { resolved } = await resolveAt(at(1000 + WINDOW_MIN + 1));
    expect(resolved.map((i) => i.id)).toContain(opened!.incidentId);
    await take(aws, aws.queues.notify.url);
  });

  it("a clear delivered before its True still wins", async () => {
    const node = { name: "node-late-true" };
    await p.run([{ ...cleared(at(2010)), node: node.name, key: `pressure-cleared:${node.name}:${at(2010)}` }]);
    const [opened] = await p.run([memoryPressure({ at: at(2000), node })]);
    const { resolved } = await resolveAt(at(2000 + WINDOW_MIN + 1));
    expect(resolved.map((i) => i.id)).toContain(opened!.incidentId);
    await take(aws, aws.queues.notify.url);
  });
});
