/** Pod logs: what tests and scenarios set, and GET .../pods/{name}/log with `container`, `previous` and `tailLines`. */
import type { ServerResponse } from "node:http";
import { ApiError, type ObjectStore } from "../store.ts";
import type { ResourcePath } from "./resource-path.ts";

/** Log lines per container, current and previous (terminated) instance. */
export class PodLogs {
  private readonly lines = new Map<string, string[]>();

  set(namespace: string, pod: string, container: string, lines: string[], previous: boolean): void {
    this.lines.set(PodLogs.key(namespace, pod, container, previous), [...lines]);
  }

  get(namespace: string, pod: string, container: string, previous: boolean): string[] | undefined {
    return this.lines.get(PodLogs.key(namespace, pod, container, previous));
  }

  private static key(ns: string, pod: string, container: string, previous: boolean): string {
    return `${ns}/${pod}/${container}/${previous ? "previous" : "current"}`;
  }
}

export function servePodLog(store: ObjectStore, logs: PodLogs, res: ServerResponse, path: ResourcePath, query: URLSearchParams): void {
  const ns = path.namespace ?? "default";
  const pod = store.get(path.resource, ns, path.name ?? "");
  if (!pod) throw new ApiError(404, "NotFound", `pods "${path.name}" not found`);
  const containers = ((pod.spec as { containers?: { name: string }[] } | undefined)?.containers ?? []).map((c) => c.name);
  const container = query.get("container") ?? (containers.length === 1 ? containers[0] : undefined);
  if (!container) {
    throw new ApiError(400, "BadRequest", `a container name must be specified for pod ${path.name}, choose one of: [${containers.join(" ")}]`);
  }
  const previous = query.get("previous") === "true";
  const lines = logs.get(ns, path.name ?? "", container, previous);
  if (!lines) {
    if (previous) throw new ApiError(400, "BadRequest", `previous terminated container "${container}" in pod "${path.name}" not found`);
    throw new ApiError(400, "BadRequest", `container "${container}" in pod "${path.name}" is waiting to start: ContainerCreating`);
  }
  const tail = query.get("tailLines");
  const selected = tail !== null ? lines.slice(Math.max(0, lines.length - Number(tail))) : lines;
  res.writeHead(200, { "Content-Type": "text/plain" });
  res.end(selected.map((l) => `${l}\n`).join(""));
}
