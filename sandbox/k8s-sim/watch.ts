/**
 * One watch connection: newline-delimited JSON watch events, as the API server
 * streams them. Starts from a resourceVersion (replaying history) or from "now"
 * (synthetic ADDED for the current state), sends BOOKMARKs when asked, ends at
 * `timeoutSeconds`, and answers a too-old resourceVersion with an ERROR event
 * carrying a 410 Status before closing.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { apiVersionOf, typeId, type ResourceType } from "./resources.ts";
import type { Matcher } from "./selectors.ts";
import type { Change, ObjectStore } from "./store.ts";
import type { KubeObject } from "./types.ts";

export interface WatchOptions {
  store: ObjectStore;
  resource: ResourceType;
  namespace?: string;
  matcher: Matcher;
  /** "" or "0": start with the current state; otherwise resume after this version. */
  resourceVersion: string;
  bookmarkIntervalMs: number | undefined;
  timeoutSeconds: number | undefined;
}

export interface WatchConnection {
  /** Ends the stream; `abrupt` destroys the socket instead (an outage, not a clean close). */
  close(abrupt?: boolean): void;
  closed: Promise<void>;
}

type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

export function openWatch(req: IncomingMessage, res: ServerResponse, opts: WatchOptions): WatchConnection {
  const { store, resource, namespace, matcher } = opts;
  const id = typeId(resource);
  let finished = false;
  let resolveClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });

  res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-cache" });
  // Send headers now: clients wait for them before reading events.
  res.flushHeaders();
  const send = (type: WatchEventType, object: unknown) => {
    if (!finished) res.write(`${JSON.stringify({ type, object })}\n`);
  };

  const inScope = (obj: KubeObject) => !namespace || obj.metadata?.namespace === namespace;
  const visible = (obj: KubeObject | undefined) => obj !== undefined && inScope(obj) && matcher(obj);

  /** Selector-aware delivery: an object that starts matching is ADDED, one that stops is DELETED. */
  const deliver = (change: Change) => {
    if (typeId(change.resource) !== id) return;
    const now = visible(change.object);
    if (change.type !== "MODIFIED") {
      if (now) send(change.type, change.object);
      return;
    }
    const before = visible(change.previous);
    if (before && now) send("MODIFIED", change.object);
    else if (now) send("ADDED", change.object);
    else if (before) send("DELETED", change.object);
  };

  const finish = (abrupt: boolean) => {
    if (finished) return;
    finished = true;
    unsubscribe();
    if (bookmarks) clearInterval(bookmarks);
    if (timeout) clearTimeout(timeout);
    if (abrupt) res.destroy();
    else res.end();
    resolveClosed();
  };

  let unsubscribe: () => void = () => {};
  let bookmarks: NodeJS.Timeout | undefined;
  let timeout: NodeJS.Timeout | undefined;

  const from = opts.resourceVersion;
  if (from === "" || from === "0") {
    for (const obj of store.list(resource, namespace)) if (matcher(obj)) send("ADDED", obj);
  } else {
    const changes = store.changesSince(Number(from));
    if (changes === "gone" || Number.isNaN(Number(from))) {
      send("ERROR", {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: `too old resource version: ${from} (${store.oldestValidRv()})`,
        reason: "Expired",
        code: 410,
      });
      finish(false);
      return { close: () => {}, closed };
    }
    for (const change of changes) deliver(change);
  }
  // Same tick as the replay above: no change can slip between them.
  unsubscribe = store.subscribe(deliver);

  if (opts.bookmarkIntervalMs !== undefined) {
    bookmarks = setInterval(() => {
      send("BOOKMARK", { kind: resource.kind, apiVersion: apiVersionOf(resource), metadata: { resourceVersion: String(store.currentRv()) } });
    }, opts.bookmarkIntervalMs);
  }
  if (opts.timeoutSeconds !== undefined && opts.timeoutSeconds > 0) {
    timeout = setTimeout(() => finish(false), opts.timeoutSeconds * 1000);
  }
  req.on("close", () => finish(false));
  res.on("close", () => finish(false));

  return { close: (abrupt = false) => finish(abrupt), closed };
}
