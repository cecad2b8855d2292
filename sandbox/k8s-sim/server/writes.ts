/** POST, PUT (also of the status subresource), PATCH and DELETE, with the API server's checks and optimistic concurrency (in the store). */
import type { IncomingMessage, ServerResponse } from "node:http";
import { applyPatch } from "../patch.ts";
import { ApiError, type ObjectStore } from "../store.ts";
import type { KubeObject } from "../types.ts";
import { readBody, sendJson } from "./respond.ts";
import type { ResourcePath } from "./resource-path.ts";

export async function serveWrite(store: ObjectStore, req: IncomingMessage, res: ServerResponse, path: ResourcePath): Promise<void> {
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
