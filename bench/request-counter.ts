/**
 * Counts AWS SDK requests by service and command through client middleware, to
 * show how many emulator round trips one occurrence costs (monitoring calls excluded),
 * and the DynamoDB items those requests read (what grows when work is proportional to data).
 *
 * Attach it to the clients the parts really use: in the sandbox each function has its own
 * (Pipeline.partClients), so counting the emulator's shared clients sees none of their work.
 * Each attachment may name its part, so the figures split by function.
 */
import type { AwsClients } from "../shared/clients/aws.ts";

const OPTIONS = { step: "initialize", name: "oomwatchBenchRequestCounter" } as const;

/** Queue-depth polling by the benchmark's drain check and the status display: not pipeline work. */
const MONITORING = new Set(["SQS GetQueueAttributes"]);

/**
 * Items a DynamoDB response read: Query/Scan count what they examined (ScannedCount, also with
 * `Select: COUNT`), GetItem its item, BatchGetItem every item it returned.
 */
export function itemsRead(output: unknown): number {
  const o = (output ?? {}) as { ScannedCount?: number; Item?: unknown; Responses?: Record<string, unknown[]> };
  if (typeof o.ScannedCount === "number") return o.ScannedCount;
  if (o.Item) return 1;
  if (o.Responses) return Object.values(o.Responses).reduce((n, items) => n + items.length, 0);
  return 0;
}

const add = (map: Map<string, number>, key: string, n: number) => map.set(key, (map.get(key) ?? 0) + n);

/**
 * A string attribute value, marshalled (`{ S: "..." }`) or not: the document client marshals in
 * the same middleware step as the counter, so either may come first.
 */
function stringValue(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  const s = (v as { S?: unknown } | undefined)?.S;
  return typeof s === "string" ? s : undefined;
}

/**
 * Which kind of item a request reads or writes: its command and the partition key's type prefix
 * (shared/storage/pipeline-items.ts), e.g. "Query EVICTIONS", "GetItem GROUP", "Query byCluster".
 * The prefix names the read without the ids in it; a Query on an index names the index.
 */
export function operationOf(command: string, input: unknown): string {
  const i = (input ?? {}) as { IndexName?: string; Key?: Record<string, unknown>; Item?: Record<string, unknown>; ExpressionAttributeValues?: Record<string, unknown> };
  if (i.IndexName) return `${command} ${i.IndexName}`;
  const pk = stringValue(i.Key?.pk) ?? stringValue(i.Item?.pk) ?? stringValue(i.ExpressionAttributeValues?.[":pk"]);
  return pk ? `${command} ${pk.split("#")[0]}` : command;
}

export class RequestCounter {
  /** "DynamoDB UpdateItem" -> requests, over every attached part. */
  readonly counts = new Map<string, number>();
  /** "ingest DynamoDB" -> requests: the same by part and service. */
  readonly byPart = new Map<string, number>();
  /** DynamoDB items read by the counted requests (see itemsRead). */
  itemsRead = 0;
  /** The same by command, to see which requests read them. */
  readonly itemsByCommand = new Map<string, number>();
  /** The same by part. */
  readonly itemsByPart = new Map<string, number>();
  /** Items read by part and operation: "analyze Query EVICTIONS" -> items (see operationOf). */
  readonly itemsByOperation = new Map<string, number>();
  /** Requests by part and operation, to go with itemsByOperation. */
  readonly requestsByOperation = new Map<string, number>();

  /**
   * Adds the counting middleware to the SQS and DynamoDB clients (the document client shares
   * DynamoDB's stack). `part` names whose clients these are (e.g. "ingest").
   */
  attach(clients: Pick<AwsClients, "sqs" | "dynamodb">, part = "all"): void {
    // Two calls rather than a loop: each client's stack has its own middleware types.
    clients.sqs.middlewareStack.add(
      (next, context) => (args) => {
        this.count(part, "SQS", context.commandName);
        return next(args);
      },
      OPTIONS,
    );
    clients.dynamodb.middlewareStack.add(
      (next, context) => async (args) => {
        this.count(part, "DynamoDB", context.commandName);
        const operation = `${part} ${operationOf(commandOf(context.commandName), args.input)}`;
        add(this.requestsByOperation, operation, 1);
        const result = await next(args);
        const items = itemsRead(result.output);
        this.itemsRead += items;
        if (items > 0) {
          add(this.itemsByCommand, commandOf(context.commandName), items);
          add(this.itemsByPart, part, items);
          add(this.itemsByOperation, operation, items);
        }
        return result;
      },
      OPTIONS,
    );
  }

  private count(part: string, service: string, command: string | undefined): void {
    const key = `${service} ${commandOf(command)}`;
    if (MONITORING.has(key)) return;
    add(this.counts, key, 1);
    add(this.byPart, `${part} ${service}`, 1);
  }

  total(service: string, part?: string): number {
    if (part !== undefined) return this.byPart.get(`${part} ${service}`) ?? 0;
    let n = 0;
    for (const [key, count] of this.counts) if (key.startsWith(`${service} `)) n += count;
    return n;
  }

  /**
   * The operations that read the most items, e.g. "analyze Query EVICTIONS 2100 items in 40 requests".
   * `parts`: only theirs.
   */
  topReads(n: number, parts?: readonly string[]): string {
    return topOf(this.itemsByOperation, n, parts)
      .map(([op, items]) => `${op} ${items} items in ${this.requestsByOperation.get(op) ?? 0} requests`)
      .join(", ");
  }

  /** The operations sent most often, e.g. "ingest PutItem 1005, ingest BatchGetItem 101". `parts`: only theirs. */
  topRequests(n: number, parts?: readonly string[]): string {
    return topOf(this.requestsByOperation, n, parts)
      .map(([op, count]) => `${op} ${count}`)
      .join(", ");
  }

  /** The most frequent commands, e.g. "DynamoDB UpdateItem 812, SQS SendMessageBatch 120". */
  top(n: number): string {
    return [...this.counts.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
  }
}

/** The n largest entries of a "<part> <operation>" map, of `parts` only when given. */
function topOf(map: Map<string, number>, n: number, parts?: readonly string[]): Array<[string, number]> {
  return [...map.entries()]
    .filter(([op]) => parts === undefined || parts.includes(op.slice(0, op.indexOf(" "))))
    .sort((a, b) => b[1] - a[1])
    .slice(0, n);
}

function commandOf(command: string | undefined): string {
  return (command ?? "?").replace(/Command$/, "");
}
