/**
 * Kubernetes API simulator: an HTTP server on a free loopback port that speaks
 * enough of the real API protocol (lists with resourceVersion and paging, watches
 * with bookmarks and 410 Gone, selectors, CRUD with optimistic concurrency, pod
 * logs, metrics API, discovery) for the real `@kubernetes/client-node` to run
 * against it unchanged. Tests and the sandbox drive it through the object API
 * below (apply/remove/...), scenarios (scenario.ts) or recordings (recording.ts).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { dirname } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { apiGroupDoc, apiGroupList, apiResourceList, apiVersions, VERSION_INFO } from "./discovery.ts";
import { applyPatch } from "./patch.ts";
import { findByPath, requireKind, type ResourceType, apiVersionOf } from "./resources.ts";
import { selectorMatcher, type Matcher } from "./selectors.ts";
import { ApiError, nowIso, ObjectStore, type Change } from "./store.ts";
import type { KubeObject, NodeMetricsInput, PodMetricsInput } from "./types.ts";
import { openWatch, type WatchConnection } from "./watch.ts";

export interface K8sSimulatorOptions {
  /** How often watches that asked for bookmarks get one (default 1000 ms; real servers: about a minute). */
  bookmarkIntervalMs?: number;
  /** Changes kept for watches to resume from (default 1000); older resourceVersions get 410 Gone. */
  historyLimit?: number;
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  token?: string;
  /** Port to listen on (default: a free one). */
  port?: number;
}

export interface RecordedRequest {
  method: string;
  /** Request path with its query string, as sent. */
  path: string;
}

export interface K8sSimulator {
  url: string;
  kubeConfig(): KubeConfig;
  writeKubeconfig(path: string): void;
  /** Create or replace; bumps resourceVersion, emits watch events. Returns the stored object. */
  apply(obj: KubeObject): KubeObject;
  remove(apiVersion: string, kind: string, namespace: string | undefined, name: string): void;
  get<T extends KubeObject = KubeObject>(kind: string, namespace: string | undefined, name: string, apiVersion?: string): T | undefined;
  list<T extends KubeObject = KubeObject>(kind: string, apiVersion?: string): T[];
  setPodLog(namespace: string, pod: string, container: string, lines: string[], previous?: boolean): void;
  setMetrics(metrics: PodMetricsInput | NodeMetricsInput): void;
  /** Close every open watch connection cleanly (clients re-watch from their last resourceVersion). */
  dropWatches(): void;
  /** Forget history: the next watch (or continued list) from any resourceVersion held now gets 410 Gone. */
  compact(): void;
  /** When down, every request fails: the connection is reset (default) or answered 503. Open watches are cut. */
  setAvailable(up: boolean, how?: "reset" | "503"): void;
  requests(): RecordedRequest[];
  clearRequests(): void;
  /** Number of open watch connections (for tests waiting on a re-watch). */
  openWatches(): number;
  /** Current cluster-wide resourceVersion. */
  resourceVersion(): string;
  stop(): Promise<void>;
}

const MAX_RECORDED_REQUESTS = 20_000;

function status(code: number, reason: string, message: string) {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code };
}

function sendJson(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, err: ApiError): void {
  sendJson(res, err.code, status(err.code, err.reason, err.message));
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, "BadRequest", "request body is not valid JSON");
  }
}

/** A parsed resource path: /api/v1/[namespaces/{ns}/]{plural}[/{name}[/{sub}]] and the /apis/{g}/{v} equivalents. */
interface ResourcePath {
  resource: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
}

function parseResourcePath(segments: string[]): ResourcePath | undefined {
  let group = "";
  let rest: string[];
  let version: string | undefined;
  if (segments[0] === "api") {
    version = segments[1];
    rest = segments.slice(2);
  } else if (segments[0] === "apis") {
    group = segments[1] ?? "";
    version = segments[2];
    rest = segments.slice(3);
  } else return undefined;
  if (!version || rest.length === 0) return undefined;
  let namespace: string | undefined;
  // namespaces/{ns}/{plural}/... is namespaced; namespaces[/{name}] is the Namespace resource itself.
  if (rest[0] === "namespaces" && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural = "", name, subresource] = rest;
  const resource = findByPath(group, version, plural);
  if (!resource || rest.length > 3) return undefined;
  if (namespace !== undefined && !resource.namespaced) return undefined;
  return { resource, ...(namespace !== undefined ? { namespace } : {}), ...(name ? { name } : {}), ...(subresource ? { subresource } : {}) };
}

interface ContinueToken {
  rv: number;
  start: number;
}

function stripTypeMeta(obj: KubeObject): KubeObject {
  const { apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}

export async function startK8sSimulator(opts: K8sSimulatorOptions = {}): Promise<K8sSimulator> {
  const store = new ObjectStore(opts.historyLimit ?? 1000);
  const bookmarkIntervalMs = opts.bookmarkIntervalMs ?? 1000;
  const logs = new Map<string, string[]>();
  const watches = new Set<WatchConnection>();
  const sockets = new Set<Socket>();
  let recorded: RecordedRequest[] = [];
  let outage: "reset" | "503" | undefined;

  const logKey = (ns: string, pod: string, container: string, previous: boolean) => `${ns}/${pod}/${container}/${previous ? "previous" : "current"}`;

  function serveList(res: ServerResponse, path: ResourcePath, query: URLSearchParams, matcher: Matcher): void {
    const { resource } = path;
    const rv = store.currentRv();
    const exact = query.get("resourceVersionMatch") === "Exact" ? Number(query.get("resourceVersion")) : undefined;
    if (exact !== undefined && exact < store.oldestValidRv()) {
      throw new ApiError(410, "Expired", `too old resource version: ${exact} (${store.oldestValidRv()})`);
    }
    let start = 0;
    const cont = query.get("continue");
    if (cont) {
      let token: ContinueToken;
      try {
        token = JSON.parse(Buffer.from(cont, "base64url").toString("utf8")) as ContinueToken;
      } catch {
        throw new ApiError(400, "BadRequest", "continue key is not valid");
      }
      if (token.rv < store.oldestValidRv()) {
        throw new ApiError(
          410,
          "Expired",
          "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.",
        );
      }
      start = token.start;
    }
    const all = store.list(resource, path.namespace).filter(matcher);
    const limit = Number(query.get("limit") ?? 0);
    const items = limit > 0 ? all.slice(start, start + limit) : all.slice(start);
    const next = start + items.length;
    const metadata: Record<string, unknown> = { resourceVersion: String(rv) };
    if (limit > 0 && next < all.length) {
      metadata.continue = Buffer.from(JSON.stringify({ rv, start: next } satisfies ContinueToken)).toString("base64url");
      metadata.remainingItemCount = all.length - next;
    }
    // The API server leaves apiVersion/kind off list items; clients must not rely on them.
    sendJson(res, 200, { kind: `${resource.kind}List`, apiVersion: apiVersionOf(resource), metadata, items: items.map(stripTypeMeta) });
  }

  function servePodLog(res: ServerResponse, path: ResourcePath, query: URLSearchParams): void {
    const ns = path.namespace ?? "default";
    const pod = store.get(path.resource, ns, path.name ?? "");
    if (!pod) throw new ApiError(404, "NotFound", `pods "${path.name}" not found`);
    const containers = ((pod.spec as { containers?: { name: string }[] } | undefined)?.containers ?? []).map((c) => c.name);
    const container = query.get("container") ?? (containers.length === 1 ? containers[0] : undefined);
    if (!container) {
      throw new ApiError(400, "BadRequest", `a container name must be specified for pod ${path.name}, choose one of: [${containers.join(" ")}]`);
    }
    const previous = query.get("previous") === "true";
    const lines = logs.get(logKey(ns, path.name ?? "", container, previous));
    if (!lines) {
      if (previous) throw new ApiError(400, "BadRequest", `previous terminated container "${container}" in pod "${path.name}" not found`);
      throw new ApiError(400, "BadRequest", `container "${container}" in pod "${path.name}" is waiting to start: ContainerCreating`);
    }
    const tail = query.get("tailLines");
    const selected = tail !== null ? lines.slice(Math.max(0, lines.length - Number(tail))) : lines;
    res.writeHead(200, { "Content-Type": "text/plain" });
    res.end(selected.map((l) => `${l}\n`).join(""));
  }

  async function serveWrite(req: IncomingMessage, res: ServerResponse, path: ResourcePath): Promise<void> {
    const { resource } = path;
    if (resource.readOnly) throw new ApiError(405, "MethodNotAllowed", `the server does not allow this method on the requested resource`);
    const method = req.method ?? "GET";
    if (method === "POST" && !path.name) {
      const body = (await readBody(req)) as KubeObject;
      const bodyNs = body.metadata?.namespace;
      if (path.namespace && bodyNs && bodyNs !== path.namespace) {
        throw new ApiError(400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request");
      }
      const obj = { ...body, metadata: { ...body.metadata, ...(path.namespace ? { namespace: path.namespace } : {}) } };
      delete obj.metadata.resourceVersion;
      sendJson(res, 201, store.write(resource, obj, "create"));
      return;
    }
    if (!path.name) throw new ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
    const existing = store.get(resource, path.namespace, path.name);
    if (method === "DELETE") {
      const deleted = store.delete(resource, path.namespace, path.name);
      if (resource.kind === "Pod") sendJson(res, 200, deleted);
      else sendJson(res, 200, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details: { name: path.name, kind: resource.plural, uid: deleted.metadata?.uid } });
      return;
    }
    const body = await readBody(req);
    let next: KubeObject;
    if (method === "PUT") {
      next = body as KubeObject;
      if (next.metadata?.name && next.metadata.name !== path.name) {
        throw new ApiError(400, "BadRequest", "the name of the object does not match the name on the URL");
      }
      // Writing the status subresource only changes status.
      if (path.subresource === "status" && existing) next = { ...existing, status: next.status, metadata: { ...existing.metadata, resourceVersion: next.metadata?.resourceVersion ?? existing.metadata?.resourceVersion } };
    } else if (method === "PATCH") {
      if (!existing) throw new ApiError(404, "NotFound", `${resource.plural} "${path.name}" not found`);
      next = applyPatch(existing, body, req.headers["content-type"]) as KubeObject;
    } else throw new ApiError(405, "MethodNotAllowed", `method ${method} not allowed`);
    next = { ...next, metadata: { ...next.metadata, name: path.name, ...(path.namespace ? { namespace: path.namespace } : {}) } };
    sendJson(res, 200, store.write(resource, next, "update"));
  }

  function serveDiscovery(res: ServerResponse, segments: string[], host: string): boolean {
    const joined = segments.join("/");
    let doc: unknown;
    if (joined === "version") doc = VERSION_INFO;
    else if (joined === "healthz" || joined === "readyz" || joined === "livez") {
      res.writeHead(200, { "Content-Type": "text/plain" });
      res.end("ok");
      return true;
    } else if (joined === "api") doc = apiVersions(host);
    else if (joined === "apis") doc = apiGroupList();
    else if (segments[0] === "api" && segments.length === 2) doc = apiResourceList("", segments[1] ?? "");
    else if (segments[0] === "apis" && segments.length === 2) doc = apiGroupDoc(segments[1] ?? "");
    else if (segments[0] === "apis" && segments.length === 3) doc = apiResourceList(segments[1] ?? "", segments[2] ?? "");
    else return false;
    if (!doc) throw new ApiError(404, "NotFound", "the server could not find the requested resource");
    sendJson(res, 200, doc);
    return true;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    recorded.push({ method: req.method ?? "GET", path: url.pathname + url.search });
    // Bounded: a long sandbox run must not grow without limit.
    if (recorded.length > MAX_RECORDED_REQUESTS) recorded = recorded.slice(-MAX_RECORDED_REQUESTS / 2);
    if (outage === "reset") {
      req.socket.destroy();
      return;
    }
    if (outage === "503") throw new ApiError(503, "ServiceUnavailable", "the server is currently unable to handle the request");
    if (opts.token && req.headers.authorization !== `Bearer ${opts.token}`) throw new ApiError(401, "Unauthorized", "Unauthorized");
    const segments = url.pathname.split("/").filter((s) => s.length > 0).map(decodeURIComponent);
    if (req.method === "GET" && serveDiscovery(res, segments, req.headers.host ?? "")) return;
    const path = parseResourcePath(segments);
    if (!path) throw new ApiError(404, "NotFound", "the server could not find the requested resource");
    const query = url.searchParams;
    if (req.method === "GET") {
      if (path.subresource === "log" && path.resource.kind === "Pod") return servePodLog(res, path, query);
      if (path.name) {
        const obj = store.get(path.resource, path.namespace, path.name);
        if (!obj) throw new ApiError(404, "NotFound", `${path.resource.plural} "${path.name}" not found`);
        sendJson(res, 200, obj);
        return;
      }
      let matcher: Matcher;
      try {
        matcher = selectorMatcher(query.get("labelSelector"), query.get("fieldSelector"));
      } catch (err) {
        throw new ApiError(400, "BadRequest", (err as Error).message);
      }
      if (query.get("watch") === "true" || query.get("watch") === "1") {
        const watch = openWatch(req, res, {
          store,
          resource: path.resource,
          ...(path.namespace !== undefined ? { namespace: path.namespace } : {}),
          matcher,
          resourceVersion: query.get("resourceVersion") ?? "",
          bookmarkIntervalMs: query.get("allowWatchBookmarks") === "true" ? bookmarkIntervalMs : undefined,
          timeoutSeconds: query.has("timeoutSeconds") ? Number(query.get("timeoutSeconds")) : undefined,
        });
        watches.add(watch);
        watch.closed.then(() => watches.delete(watch));
        return;
      }
      return serveList(res, path, query, matcher);
    }
    await serveWrite(req, res, path);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof ApiError) sendError(res, err);
      else sendError(res, new ApiError(500, "InternalError", err instanceof Error ? err.message : String(err)));
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
  const url = `http://127.0.0.1:${port}`;

  const kubeConfig = (): KubeConfig => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: "oomwatch-sim", server: url, skipTLSVerify: true }],
      users: [{ name: "oomwatch-sim", ...(opts.token ? { token: opts.token } : {}) }],
      contexts: [{ name: "oomwatch-sim", cluster: "oomwatch-sim", user: "oomwatch-sim" }],
      currentContext: "oomwatch-sim",
    });
    return kc;
  };

  const dropWatches = () => {
    for (const w of [...watches]) w.close();
  };

  return {
    url,
    kubeConfig,
    writeKubeconfig(path) {
      mkdirSync(dirname(path), { recursive: true });
      // exportConfig() is JSON, which is valid YAML for every kubeconfig reader.
      writeFileSync(path, kubeConfig().exportConfig(), { mode: 0o600 });
    },
    apply(obj) {
      if (!obj.kind) throw new Error("k8s-sim apply: object has no kind");
      const { resourceVersion: _rv, ...metadata } = obj.metadata ?? {};
      return store.write(requireKind(obj.kind, obj.apiVersion), { ...obj, metadata }, "upsert");
    },
    remove(apiVersion, kind, namespace, name) {
      store.delete(requireKind(kind, apiVersion), namespace, name);
    },
    get<T extends KubeObject>(kind: string, namespace: string | undefined, name: string, apiVersion?: string) {
      const obj = store.get(requireKind(kind, apiVersion), namespace, name);
      return obj ? (structuredClone(obj) as T) : undefined;
    },
    list<T extends KubeObject>(kind: string, apiVersion?: string) {
      return store.list(requireKind(kind, apiVersion)).map((o) => structuredClone(o) as T);
    },
    setPodLog(namespace, pod, container, lines, previous = false) {
      logs.set(logKey(namespace, pod, container, previous), [...lines]);
    },
    setMetrics(metrics) {
      const timestamp = metrics.timestamp ?? nowIso();
      if ("node" in metrics) {
        store.write(requireKind("NodeMetrics"), { metadata: { name: metrics.node }, timestamp, window: "20.05s", usage: metrics.usage }, "upsert");
        return;
      }
      store.write(
        requireKind("PodMetrics"),
        {
          metadata: { name: metrics.pod, namespace: metrics.namespace },
          timestamp,
          window: "18.167s",
          containers: Object.entries(metrics.containers).map(([name, usage]) => ({ name, usage })),
        },
        "upsert",
      );
    },
    dropWatches,
    compact: () => store.compact(),
    setAvailable(up, how = "reset") {
      outage = up ? undefined : how;
      if (!up) {
        for (const w of [...watches]) w.close(true);
      }
    },
    requests: () => [...recorded],
    clearRequests() {
      recorded = [];
    },
    openWatches: () => watches.size,
    resourceVersion: () => String(store.currentRv()),
    async stop() {
      dropWatches();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
  };
}

export type { Change };
