/**
 * Handler crashes after a side effect, before the SQS delete. Every write a function
 * makes (DynamoDB, SQS, EventBridge, Slack) is classified into a side-effect kind
 * (operation + item type / queue / Slack role); the first time each kind completes,
 * the invocation "dies" right after it: its later calls fail as if the process were
 * gone, and the runner sees a thrown invocation, so nothing of the batch is deleted.
 * Each kind crashes once, so every kind of side effect is followed by a crash once
 * and the pipeline still finishes.
 *
 * Time compression (not semantics): a crashed batch is made visible again at once
 * (ChangeMessageVisibility 0) instead of after the visibility timeout.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { ChangeMessageVisibilityBatchCommand } from "@aws-sdk/client-sqs";
import { WebClient, type WebAPICallResult, type WebClientOptions } from "@slack/web-api";
import type { SQSEvent } from "aws-lambda";
import type { SqsHandler } from "../../../sandbox/lambda-runner.ts";
import type { Pipeline } from "../../../sandbox/pipeline.ts";
import { FUNCTIONS, type FunctionId } from "../../../shared/resources.ts";

interface Invocation {
  fn: FunctionId;
  crashedAfter?: string;
}

interface MiddlewareClient {
  middlewareStack: { add(mw: unknown, opts: { step: "initialize"; name: string }): void };
}

const WRITES = new Set([
  "PutItemCommand",
  "UpdateItemCommand",
  "DeleteItemCommand",
  "BatchWriteItemCommand",
  "SendMessageCommand",
  "SendMessageBatchCommand",
  "PutEventsCommand",
]);
const SLACK_WRITES = new Set(["chat.postMessage", "chat.update", "chat.delete"]);

const prefixOf = (v: unknown): string => /^[A-Z]+/.exec(String(v ?? ""))?.[0] ?? "*";
const attr = (v: unknown): string | undefined => {
  if (typeof v === "string") return v;
  const s = (v as { S?: unknown } | undefined)?.S;
  return typeof s === "string" ? s : undefined;
};

/** `UpdateItem INC/INCIDENT SET #slack = ...`: operation, item type and statement, stable across retries. */
function awsKind(command: string, input: Record<string, unknown>): string {
  const op = command.replace(/Command$/, "");
  const key = (input.Key ?? input.Item) as Record<string, unknown> | undefined;
  if (key) {
    const statement = String(input.UpdateExpression ?? input.ConditionExpression ?? "").slice(0, 60);
    return `${op} ${prefixOf(attr(key.pk))}/${prefixOf(attr(key.sk))} ${statement}`.trim();
  }
  if (typeof input.QueueUrl === "string") return `${op} ${input.QueueUrl.split("/").pop()}`;
  if (Array.isArray(input.Entries)) return `${op} ${(input.Entries[0] as { DetailType?: string } | undefined)?.DetailType ?? ""}`.trim();
  return op;
}

function slackKind(method: string, options: Record<string, unknown> | undefined): string {
  const role = (options?.metadata as { event_payload?: { role?: string } } | undefined)?.event_payload?.role ?? "";
  return `${method} ${role}${options?.thread_ts ? " reply" : ""}`.trim();
}

export class CrashError extends Error {
  override name = "CrashError";
}

export class CrashPlan {
  private readonly scope = new AsyncLocalStorage<Invocation>();
  private readonly crashedKinds = new Set<string>();
  private pipeline: Pipeline | undefined;
  /** `fn: kind` of every crash, in order. */
  readonly crashes: string[] = [];

  /** The pipeline whose queues crashed batches go back to. */
  attach(pipeline: Pipeline): void {
    this.pipeline = pipeline;
  }

  /** Before a call: a dead invocation makes no more calls. After a write: crash the first time its kind completes. */
  private before(kind: string): void {
    const inv = this.scope.getStore();
    if (inv?.crashedAfter) throw new CrashError(`${inv.fn} is gone (crashed after ${inv.crashedAfter}); ${kind} not made`);
  }

  private after(kind: string): void {
    const inv = this.scope.getStore();
    if (!inv || this.crashedKinds.has(`${inv.fn}: ${kind}`)) return;
    this.crashedKinds.add(`${inv.fn}: ${kind}`);
    this.crashes.push(`${inv.fn}: ${kind}`);
    inv.crashedAfter = kind;
    throw new CrashError(`${inv.fn} crashed after ${kind}`);
  }

  /** Adds the crash middleware to an AWS SDK client (its own instance: middleware is per client). */
  instrument<C extends MiddlewareClient>(client: C): C {
    client.middlewareStack.add(
      (next: (args: { input: Record<string, unknown> }) => Promise<unknown>, context: { commandName?: string }) =>
        async (args: { input: Record<string, unknown> }) => {
          const command = context.commandName ?? "";
          const kind = awsKind(command, args.input);
          this.before(kind);
          const out = await next(args);
          if (WRITES.has(command)) this.after(kind);
          return out;
        },
      { step: "initialize", name: "faultCrashAfterSideEffect" },
    );
    return client;
  }

  /** A Slack client whose writes take part in the plan (every Web API method goes through apiCall). */
  slackClient(token: string, options: WebClientOptions): WebClient {
    const plan = this;
    return new (class extends WebClient {
      override async apiCall(method: string, callOptions?: Record<string, unknown>): Promise<WebAPICallResult> {
        const kind = slackKind(method, callOptions);
        plan.before(kind);
        const out = await super.apiCall(method, callOptions);
        if (SLACK_WRITES.has(method)) plan.after(kind);
        return out;
      }
    })(token, options);
  }

  /** Runs each invocation in its own scope; a crashed one throws (nothing deleted) and its batch is redelivered. */
  wrapHandler(fn: FunctionId, handler: SqsHandler): SqsHandler {
    return async (event, context) => {
      const inv: Invocation = { fn };
      let result: Awaited<ReturnType<SqsHandler>> | undefined;
      try {
        result = await this.scope.run(inv, () => handler(event, context));
      } catch (err) {
        if (!inv.crashedAfter) throw err;
      }
      if (inv.crashedAfter) {
        await this.redeliverNow(fn, event);
        throw new CrashError(`${fn} crashed after ${inv.crashedAfter}`);
      }
      return result;
    };
  }

  private async redeliverNow(fn: FunctionId, event: SQSEvent): Promise<void> {
    if (!this.pipeline) return;
    const url = this.pipeline.queues[FUNCTIONS[fn].queue].url;
    await this.pipeline.aws.clients.sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: url,
        Entries: event.Records.map((r, i) => ({ Id: `r${i}`, ReceiptHandle: r.receiptHandle, VisibilityTimeout: 0 })),
      }),
    );
  }
}
