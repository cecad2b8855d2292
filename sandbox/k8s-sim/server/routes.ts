/**
 * Request routing: recording, outage, authentication and RBAC checks, discovery documents, then the
 * resource path (/api/v1/..., /apis/{group}/{version}/...) to a get, list, watch, log or write.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { apiGroupDoc, apiGroupList, apiResourceList, apiVersions, VERSION_INFO } from "../discovery.ts";
import { type Matcher, selectorMatcher } from "../selectors.ts";
import { ApiError } from "../store.ts";
import { openWatch } from "../watch.ts";
import { serveList } from "./lists.ts";
import type { RequestAttributes } from "../rbac.ts";
import { parseResourcePath, type ResourcePath } from "./resource-path.ts";
import { servePodLog } from "./logs.ts";
import { sendError, sendJson } from "./respond.ts";
import type { SimState } from "./state.ts";
import { serveWrite } from "./writes.ts";

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

const WRITE_VERBS: Record<string, string> = { POST: "create", PUT: "update", PATCH: "patch" };

/** The verb a request is authorized as (kube-apiserver's RequestInfo). */
function requestAttributes(method: string, path: ResourcePath, query: URLSearchParams): RequestAttributes {
  const watching = query.get("watch") === "true" || query.get("watch") === "1";
  let verb = WRITE_VERBS[method] ?? method.toLowerCase();
  if (method === "GET") verb = path.name ? "get" : watching ? "watch" : "list";
  else if (method === "DELETE") verb = path.name ? "delete" : "deletecollection";
  return {
    verb,
    apiGroup: path.resource.group,
    resource: path.resource.plural,
    ...(path.subresource ? { subresource: path.subresource } : {}),
    ...(path.name ? { name: path.name } : {}),
    ...(path.namespace !== undefined ? { namespace: path.namespace } : {}),
  };
}

async function handle(state: SimState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { store } = state;
  const url = new URL(req.url ?? "/", "http://localhost");
  state.requests.add({ method: req.method ?? "GET", path: url.pathname + url.search });
  if (state.outage === "reset") {
    req.socket.destroy();
    return;
  }
  if (state.outage === "503") throw new ApiError(503, "ServiceUnavailable", "the server is currently unable to handle the request");
  const identity = state.identities.get(/^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1] ?? "");
  if (!identity) throw new ApiError(401, "Unauthorized", "Unauthorized");
  const segments = url.pathname.split("/").filter((s) => s.length > 0).map(decodeURIComponent);
  // Discovery and health are open to every authenticated identity (system:discovery, system:public-info-viewer).
  if (req.method === "GET" && serveDiscovery(res, segments, req.headers.host ?? "")) return;
  const path = parseResourcePath(segments);
  if (!path) throw new ApiError(404, "NotFound", "the server could not find the requested resource");
  const query = url.searchParams;
  state.rbac.authorize(identity, requestAttributes(req.method ?? "GET", path, query));
  if (req.method === "GET") {
    if (path.resource.group === "metrics.k8s.io") return state.metrics.serve(res, path);
    if (path.subresource === "log" && path.resource.kind === "Pod") return servePodLog(store, state.logs, res, path, query);
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
        bookmarkIntervalMs: query.get("allowWatchBookmarks") === "true" ? state.bookmarkIntervalMs : undefined,
        timeoutSeconds: query.has("timeoutSeconds") ? Number(query.get("timeoutSeconds")) : undefined,
      });
      state.watches.add(watch);
      watch.closed.then(() => state.watches.delete(watch));
      return;
    }
    return serveList(store, res, path, query, matcher);
  }
  await serveWrite(store, req, res, path);
}

/** The HTTP request listener: routes the request and answers any failure as a Kubernetes Status. */
export function requestListener(state: SimState): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(state, req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof ApiError) sendError(res, err);
      else sendError(res, new ApiError(500, "InternalError", err instanceof Error ? err.message : String(err)));
    });
  };
}
