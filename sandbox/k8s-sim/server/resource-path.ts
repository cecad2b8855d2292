/** Resource URLs of the Kubernetes API, parsed into the resource type, namespace, name and subresource. */
import { findByPath, type ResourceType } from "../resources.ts";

/** A parsed resource path: /api/v1/[namespaces/{ns}/]{plural}[/{name}[/{sub}]] and the /apis/{g}/{v} equivalents. */
export interface ResourcePath {
  resource: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export function parseResourcePath(segments: string[]): ResourcePath | undefined {
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
