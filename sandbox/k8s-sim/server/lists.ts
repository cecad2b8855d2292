/** GET of a collection: paging with `limit`/`continue`, `resourceVersionMatch=Exact`, and 410 Gone for compacted versions. */
import type { ServerResponse } from "node:http";
import { apiVersionOf } from "../resources.ts";
import type { Matcher } from "../selectors.ts";
import { ApiError, type ObjectStore } from "../store.ts";
import type { KubeObject } from "../types.ts";
import { sendJson } from "./respond.ts";
import type { ResourcePath } from "./resource-path.ts";

interface ContinueToken {
  rv: number;
  start: number;
}

function stripTypeMeta(obj: KubeObject): KubeObject {
  const { apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}

export function serveList(store: ObjectStore, res: ServerResponse, path: ResourcePath, query: URLSearchParams, matcher: Matcher): void {
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
