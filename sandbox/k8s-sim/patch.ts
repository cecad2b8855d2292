/**
 * Patch bodies the clients send: JSON merge patch (RFC 7386), JSON patch (RFC 6902)
 * and a minimal strategic merge patch (lists of objects merged by `name`/`type`,
 * the patch merge keys of containers, env, conditions and ports).
 */
import { ApiError } from "./store.ts";

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> => v !== null && typeof v === "object" && !Array.isArray(v);

export function mergePatch(target: Json, patch: Json, strategic = false): Json {
  if (!isObject(patch)) {
    if (strategic && Array.isArray(patch) && Array.isArray(target)) return mergeList(target, patch);
    return patch;
  }
  const result: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (strategic && key.startsWith("$")) continue; // directives ($patch, $retainKeys) are not needed here
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value, strategic);
  }
  return result;
}

function mergeKey(items: Json[]): "name" | "type" | undefined {
  const first = items.find(isObject);
  if (!first) return undefined;
  if (typeof first.name === "string") return "name";
  if (typeof first.type === "string") return "type";
  return undefined;
}

function mergeList(target: Json[], patch: Json[]): Json[] {
  const key = mergeKey(patch) ?? mergeKey(target);
  if (!key) return patch;
  const result = [...target];
  for (const item of patch) {
    if (!isObject(item)) continue;
    const index = result.findIndex((t) => isObject(t) && t[key] === item[key]);
    if (item.$patch === "delete") {
      if (index >= 0) result.splice(index, 1);
    } else if (index >= 0) result[index] = mergePatch(result[index], item, true);
    else result.push(item);
  }
  return result;
}

interface JsonPatchOp {
  op: string;
  path: string;
  value?: Json;
  from?: string;
}

function pointer(path: string): string[] {
  return path
    .split("/")
    .slice(1)
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
}

export function jsonPatch(target: Json, ops: JsonPatchOp[]): Json {
  const doc = structuredClone(target);
  for (const op of ops) {
    const parts = pointer(op.path);
    const last = parts.pop();
    let parent: Json = doc;
    for (const part of parts) parent = (parent as Record<string, Json>)?.[part];
    if (parent === null || typeof parent !== "object" || last === undefined) {
      throw new ApiError(422, "Invalid", `json patch: path ${op.path} does not exist`);
    }
    const container = parent as Record<string, Json> & Json[];
    if (op.op === "test") {
      if (JSON.stringify(container[last]) !== JSON.stringify(op.value)) throw new ApiError(422, "Invalid", `json patch: test failed at ${op.path}`);
    } else if (op.op === "remove") {
      if (Array.isArray(container)) container.splice(Number(last), 1);
      else delete container[last];
    } else if (op.op === "add" && Array.isArray(container)) {
      container.splice(last === "-" ? container.length : Number(last), 0, op.value);
    } else if (op.op === "add" || op.op === "replace") {
      container[last] = op.value;
    } else {
      throw new ApiError(422, "Invalid", `json patch: unsupported op ${op.op}`);
    }
  }
  return doc;
}

/** Applies a patch body by its content type. */
export function applyPatch(target: Json, body: Json, contentType: string | undefined): Json {
  const type = (contentType ?? "").split(";")[0]?.trim();
  if (type === "application/json-patch+json") {
    if (!Array.isArray(body)) throw new ApiError(400, "BadRequest", "json patch body must be an array");
    return jsonPatch(target, body as JsonPatchOp[]);
  }
  if (type === "application/apply-patch+yaml") throw new ApiError(415, "UnsupportedMediaType", "server-side apply is not simulated");
  return mergePatch(target, body, type === "application/strategic-merge-patch+json");
}
