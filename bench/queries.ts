/**
 * Benchmark 4 — queries: with 100,000 stored incidents (quick: 10,000), the first page
 * of a namespace query and of a level query through `queryIncidents` (what
 * `oomwatch incidents list` runs), against a full Scan of the same table: time, and
 * items read (ScannedCount, ConsumedCapacity) counted by client middleware.
 */
import { paginateScan, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { createTables, startLocalAws } from "../sandbox/local-aws.ts";
import { queryIncidents, type IncidentQuery } from "../shared/storage/queries.ts";
import { FIXTURE_CLUSTER, loadIncidents } from "./incident-fixtures.ts";
import { measured, median, type BenchOptions, type BenchResult, type Figure } from "./results.ts";

/** `oomwatch incidents list --limit` default. */
const PAGE = 50;

interface Reads {
  items: number;
  capacity: number;
  requests: number;
}

/** Asks DynamoDB for consumed capacity on every Query/Scan and adds up what was read. */
function countReads(doc: DynamoDBDocumentClient): { reads: Reads; reset(): void } {
  const state = { reads: { items: 0, capacity: 0, requests: 0 } };
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName);
      if (!/^(Query|Scan)Command$/.test(name)) return next(args);
      (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = "TOTAL";
      const result = await next(args);
      const output = result.output as { ScannedCount?: number; ConsumedCapacity?: { CapacityUnits?: number } };
      state.reads.items += output.ScannedCount ?? 0;
      state.reads.capacity += output.ConsumedCapacity?.CapacityUnits ?? 0;
      state.reads.requests += 1;
      return result;
    },
    { step: "initialize", name: "oomwatchBenchReadCounter" },
  );
  return {
    get reads() {
      return state.reads;
    },
    reset() {
      state.reads = { items: 0, capacity: 0, requests: 0 };
    },
  };
}

export function queriesBench(opts: BenchOptions): Promise<BenchResult> {
  const incidents = opts.quick ? 10_000 : 100_000;
  const runs = 5;
  return measured("queries", "Queries", { incidents, pageSize: PAGE, runs }, async (out) => {
    const aws = await startLocalAws();
    try {
      const { incidents: table } = await createTables(aws.clients.dynamodb, "bench-queries");
      const doc = aws.clients.doc;
      const loadStart = performance.now();
      await loadIncidents(doc, table, incidents);
      const loadMs = performance.now() - loadStart;
      out.figures.push({ id: "queries.loadS", name: "load (BatchWriteItem)", value: loadMs / 1000, unit: "s", note: `${incidents} incidents, ${((incidents / loadMs) * 1000).toFixed(0)} items/s` });

      const counter = countReads(doc);
      counter.reset();
      const scanStart = performance.now();
      let scanned = 0;
      for await (const page of paginateScan({ client: doc }, { TableName: table })) scanned += page.Items?.length ?? 0;
      const scanMs = performance.now() - scanStart;
      const scan = { ...counter.reads };
      out.figures.push({ id: "queries.scanMs", name: "full Scan", value: scanMs, unit: "ms", note: `${scan.items} items read, ${scan.capacity.toFixed(0)} RCU, ${scan.requests} pages` });

      const cases: Array<[string, string, IncidentQuery]> = [
        ["namespace", "namespace query", { cluster: FIXTURE_CLUSTER, namespace: "team-7" }],
        ["level", "level query", { cluster: FIXTURE_CLUSTER, level: 3 }],
      ];
      for (const [caseId, name, q] of cases) {
        const times: number[] = [];
        let reads: Reads = { items: 0, capacity: 0, requests: 0 };
        let returned = 0;
        for (let i = 0; i < runs; i++) {
          counter.reset();
          const started = performance.now();
          const page = await queryIncidents(doc, table, q, { limit: PAGE });
          times.push(performance.now() - started);
          reads = { ...counter.reads };
          returned = page.items.length;
        }
        const ms = median(times);
        const fewer: Figure = {
          id: `queries.${caseId}.scanItemsPerQueryItem`,
          name: `${name}: Scan items / query items`,
          value: scan.items / Math.max(1, reads.items),
          unit: "×",
          target: { op: ">=", value: 100 },
          note: `${reads.items} items read (${reads.capacity.toFixed(1)} RCU) for ${returned} returned`,
        };
        out.figures.push(
          { id: `queries.${caseId}.firstPageMs`, name: `${name}: first page`, value: ms, unit: "ms", note: `median of ${runs}; ${(scanMs / ms).toFixed(0)}× faster than the Scan` },
          fewer,
        );
        out.checks.push({ name: `${name}: full first page`, ok: returned === PAGE, detail: `${returned} of ${PAGE} incidents returned` });
      }
      out.checks.push({ name: "Scan saw every incident", ok: scanned === incidents, detail: `${scanned} of ${incidents}` });
    } finally {
      await aws.stop();
    }
  });
}
