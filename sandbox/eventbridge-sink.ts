/**
 * Local EventBridge: a loopback HTTP server that answers `AWSEvents.PutEvents` (AWS JSON 1.1),
 * validates entries the way EventBridge does and records the events, so the real
 * `@aws-sdk/client-eventbridge` client works against it through an endpoint override.
 * Like AWS, an unknown event bus is not an error: the event is accepted (and recorded here).
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** The event as EventBridge delivers it to targets, plus the bus it was put on. */
export interface RecordedEvent {
  version: "0";
  id: string;
  "detail-type": string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
  eventBusName: string;
}

export interface EventBridgeSink {
  endpoint: string;
  events(): RecordedEvent[];
  stop(): Promise<void>;
}

export interface EventBridgeSinkOptions {
  /** Called for every accepted event (e.g. the sandbox prints it). */
  onEvent?: (event: RecordedEvent) => void;
  account?: string;
}

interface RequestEntry {
  Source?: unknown;
  DetailType?: unknown;
  Detail?: unknown;
  EventBusName?: unknown;
  Resources?: unknown;
  Time?: unknown;
}

type EntryResult = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

const MAX_ENTRIES = 10;
/** EventBridge's limit on the summed size of the entries of one PutEvents call. */
const MAX_REQUEST_BYTES = 256 * 1024;
const JSON_11 = "application/x-amz-json-1.1";

class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** Region from the SigV4 credential scope (`Credential=<key>/<date>/<region>/events/aws4_request`). */
function regionOf(req: IncomingMessage): string {
  return /Credential=[^/]+\/\d+\/([^/]+)\//.exec(req.headers.authorization ?? "")?.[1] ?? "us-east-1";
}

/** The size EventBridge counts for an entry: Time (14 bytes) + UTF-8 of Source, DetailType, Detail and Resources. */
function entrySize(e: RequestEntry): number {
  const text = [e.Source, e.DetailType, e.Detail, ...(Array.isArray(e.Resources) ? e.Resources : [])];
  return 14 + text.reduce<number>((n, t) => n + (typeof t === "string" ? Buffer.byteLength(t) : 0), 0);
}

function invalid(field: string): EntryResult {
  return { ErrorCode: "InvalidArgument", ErrorMessage: `Parameter ${field} is not valid. Reason: ${field} is a required argument.` };
}

/** `default`, a bus name or a bus ARN (`arn:aws:events:<region>:<account>:event-bus/<name>`) → name. */
function busName(value: unknown): string {
  if (typeof value !== "string" || value === "") return "default";
  return value.startsWith("arn:") ? value.slice(value.lastIndexOf("/") + 1) : value;
}

/** ISO time without milliseconds, as EventBridge writes it. */
function eventTime(time: unknown): string {
  const date = typeof time === "number" ? new Date(time * 1000) : new Date();
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export async function startEventBridgeSink(options: EventBridgeSinkOptions = {}): Promise<EventBridgeSink> {
  const account = options.account ?? "123456789012";
  const recorded: RecordedEvent[] = [];

  function acceptEntry(e: RequestEntry, region: string): EntryResult {
    if (typeof e.Source !== "string" || e.Source === "") return invalid("Source");
    if (typeof e.DetailType !== "string" || e.DetailType === "") return invalid("DetailType");
    if (typeof e.Detail !== "string" || e.Detail === "") return invalid("Detail");
    if (e.Source.startsWith("aws.")) return { ErrorCode: "NotAuthorizedForSourceException", ErrorMessage: "Not authorized for the source." };
    let detail: unknown;
    try {
      detail = JSON.parse(e.Detail);
    } catch {
      detail = undefined;
    }
    if (typeof detail !== "object" || detail === null || Array.isArray(detail)) {
      return { ErrorCode: "MalformedDetail", ErrorMessage: "Detail is malformed." };
    }
    const event: RecordedEvent = {
      version: "0",
      id: randomUUID(),
      "detail-type": e.DetailType,
      source: e.Source,
      account,
      time: eventTime(e.Time),
      region,
      resources: Array.isArray(e.Resources) ? e.Resources.filter((r): r is string => typeof r === "string") : [],
      detail,
      eventBusName: busName(e.EventBusName),
    };
    recorded.push(event);
    options.onEvent?.(event);
    return { EventId: event.id };
  }

  function putEvents(body: unknown, region: string): { FailedEntryCount: number; Entries: EntryResult[] } {
    const entries = (body as { Entries?: unknown } | null)?.Entries;
    if (!Array.isArray(entries) || entries.length === 0) {
      throw new ApiError("ValidationException", "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null");
    }
    if (entries.length > MAX_ENTRIES) {
      throw new ApiError(
        "ValidationException",
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${MAX_ENTRIES}`,
      );
    }
    const typed = entries as RequestEntry[];
    if (typed.reduce((n, e) => n + entrySize(e), 0) > MAX_REQUEST_BYTES) {
      throw new ApiError("ValidationException", "Total size of the entries in the request is over the limit.");
    }
    const results = typed.map((e) => acceptEntry(e ?? {}, region));
    return { FailedEntryCount: results.filter((r) => "ErrorCode" in r).length, Entries: results };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const reply = (status: number, payload: unknown, errorType?: string) => {
      res.writeHead(status, {
        "content-type": JSON_11,
        "x-amzn-requestid": randomUUID(),
        ...(errorType ? { "x-amzn-errortype": errorType } : {}),
      });
      res.end(JSON.stringify(payload));
    };
    try {
      const raw = await readBody(req);
      const target = req.headers["x-amz-target"];
      if (req.method !== "POST" || target !== "AWSEvents.PutEvents") {
        throw new ApiError("UnknownOperationException", `operation ${String(target)} is not supported by the local EventBridge sink`);
      }
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        throw new ApiError("SerializationException", "request body is not valid JSON");
      }
      reply(200, putEvents(body, regionOf(req)));
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError("InternalException", String(err), 500);
      reply(e.status, { __type: e.type, message: e.message }, e.type);
    }
  }

  const server = createServer((req, res) => void handle(req, res));
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    events: () => [...recorded],
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
