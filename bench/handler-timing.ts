/**
 * Time spent inside each function's handler during the storm (wrapped through the
 * pipeline's wrapHandler hook), so a missed throughput target can be traced to the
 * stage that is slowest per record.
 */
import type { SqsHandler } from "../sandbox/lambda-runner.ts";
import { FUNCTIONS, type FunctionId } from "../shared/resources.ts";
import type { Figure } from "./results.ts";

interface Busy {
  invocations: number;
  records: number;
  ms: number;
}

export class HandlerTiming {
  private readonly busy = new Map<FunctionId, Busy>();

  wrap(fn: FunctionId, handler: SqsHandler): SqsHandler {
    return async (event, context) => {
      const started = performance.now();
      try {
        return await handler(event, context);
      } finally {
        const b = this.busy.get(fn) ?? { invocations: 0, records: 0, ms: 0 };
        b.invocations++;
        b.records += event.Records.length;
        b.ms += performance.now() - started;
        this.busy.set(fn, b);
      }
    };
  }

  /** Per function: wall time inside the handler per record (handlers share one event loop, so this includes waiting). */
  figures(): Figure[] {
    const order: FunctionId[] = ["ingest", "analyze", "notify"];
    return order.flatMap((fn) => {
      const b = this.busy.get(fn);
      if (!b) return [];
      return [{
        id: `storm.${fn}.handlerMsPerRecord`,
        name: `${fn}: handler wall time per record`,
        value: b.ms / Math.max(1, b.records),
        unit: "ms",
        note: `${b.records} records in ${b.invocations} batches, up to ${FUNCTIONS[fn].maxConcurrency} at a time`,
      }];
    });
  }
}
