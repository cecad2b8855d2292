/**
 * Counts AWS SDK requests by service and command through client middleware, to
 * show how many emulator round trips one occurrence costs (monitoring calls excluded),
 * and the DynamoDB items those requests read (what grows when work is proportional to data).
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

export class RequestCounter {
  readonly counts = new Map<string, number>();
  /** DynamoDB items read by the counted requests (see itemsRead). */
  itemsRead = 0;
  /** The same by command, to see which requests read them. */
  readonly itemsByCommand = new Map<string, number>();

  /** Adds the counting middleware to the SQS and DynamoDB clients (the document client shares DynamoDB's stack). */
  attach(clients: Pick<AwsClients, "sqs" | "dynamodb">): void {
    // Two calls rather than a loop: each client's stack has its own middleware types.
    clients.sqs.middlewareStack.add(
      (next, context) => (args) => {
        this.count("SQS", context.commandName);
        return next(args);
      },
      OPTIONS,
    );
    clients.dynamodb.middlewareStack.add(
      (next, context) => async (args) => {
        this.count("DynamoDB", context.commandName);
        const result = await next(args);
        const items = itemsRead(result.output);
        this.itemsRead += items;
        const command = (context.commandName ?? "?").replace(/Command$/, "");
        if (items > 0) this.itemsByCommand.set(command, (this.itemsByCommand.get(command) ?? 0) + items);
        return result;
      },
      OPTIONS,
    );
  }

  private count(service: string, command: string | undefined): void {
    const key = `${service} ${(command ?? "?").replace(/Command$/, "")}`;
    if (MONITORING.has(key)) return;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  total(service: string): number {
    let n = 0;
    for (const [key, count] of this.counts) if (key.startsWith(`${service} `)) n += count;
    return n;
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
