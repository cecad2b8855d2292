/**
 * In-memory object store with the API server's versioning: one cluster-wide,
 * increasing resourceVersion, a bounded history of changes for watches, and a
 * compaction horizon below which a watch gets 410 Gone.
 */
import { createHash, randomUUID } from "node:crypto";
import { apiVersionOf, typeId, type ResourceType } from "./resources.ts";
import type { KubeObject } from "./types.ts";

export type ChangeType = "ADDED" | "MODIFIED" | "DELETED";

export interface Change {
  rv: number;
  type: ChangeType;
  resource: ResourceType;
  object: KubeObject;
  /** State before a MODIFIED change, so watches with selectors can turn it into ADDED/DELETED. */
  previous?: KubeObject;
}

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    /** The Status's `details` (e.g. which resource a 403 is about). */
    readonly details?: Record<string, string>,
  ) {
    super(message);
  }
}

const objectKey = (namespace: string | undefined, name: string) => `${namespace ?? ""}/${name}`;

export function nowIso(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * Each process is a new cluster: like a real API server, it gives objects UIDs never seen
 * before, so a second sandbox run over the same data dir yields new occurrences rather than
 * duplicates of the last run's (an eviction's key is the pod UID).
 */
const CLUSTER_SALT = randomUUID();

/** UID from a seed, shaped like a UUID: stable within a process, so scenarios give stable keys. */
export function uidFor(seed: string): string {
  const h = createHash("sha1").update(CLUSTER_SALT).update(seed).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export class ObjectStore {
  private rv = 1;
  /** Changes with rv <= horizon are forgotten: watching from an RV below it is 410 Gone. */
  private horizon = 0;
  private history: Change[] = [];
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private readonly listeners = new Set<(change: Change) => void>();

  constructor(private readonly historyLimit = 1000) {}

  currentRv(): number {
    return this.rv;
  }

  private bucket(resource: ResourceType): Map<string, KubeObject> {
    const id = typeId(resource);
    let bucket = this.objects.get(id);
    if (!bucket) {
      bucket = new Map();
      this.objects.set(id, bucket);
    }
    return bucket;
  }

  get(resource: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.bucket(resource).get(objectKey(resource.namespaced ? namespace : undefined, name));
  }

  /** Objects of a type, optionally in one namespace, in namespace/name order. */
  list(resource: ResourceType, namespace?: string): KubeObject[] {
    const items = [...this.bucket(resource).values()].filter(
      (o) => !namespace || !resource.namespaced || o.metadata?.namespace === namespace,
    );
    return items.sort((a, b) =>
      objectKey(a.metadata?.namespace, a.metadata?.name ?? "").localeCompare(objectKey(b.metadata?.namespace, b.metadata?.name ?? "")),
    );
  }

  /**
   * Create or update. `mode` create fails when it exists, update fails when it does not;
   * a set metadata.resourceVersion on update must match the stored one (optimistic concurrency).
   */
  write(resource: ResourceType, input: KubeObject, mode: "create" | "update" | "upsert"): KubeObject {
    const name = input.metadata?.name;
    if (!name) throw new ApiError(422, "Invalid", `${resource.kind} metadata.name: Required value: name is required`);
    const namespace = resource.namespaced ? (input.metadata?.namespace ?? "default") : undefined;
    const key = objectKey(namespace, name);
    const bucket = this.bucket(resource);
    const existing = bucket.get(key);
    const what = `${resource.plural}${resource.group ? `.${resource.group}` : ""} "${name}"`;
    if (existing && mode === "create") throw new ApiError(409, "AlreadyExists", `${what} already exists`);
    if (!existing && mode === "update") throw new ApiError(404, "NotFound", `${what} not found`);
    const wanted = input.metadata?.resourceVersion;
    if (existing && mode === "update" && wanted && wanted !== existing.metadata?.resourceVersion) {
      throw new ApiError(
        409,
        "Conflict",
        `Operation cannot be fulfilled on ${what}: the object has been modified; please apply your changes to the latest version and try again`,
      );
    }
    this.rv++;
    const object: KubeObject = structuredClone(input);
    object.apiVersion = apiVersionOf(resource);
    object.kind = resource.kind;
    object.metadata = {
      ...object.metadata,
      name,
      ...(namespace !== undefined ? { namespace } : {}),
      uid: existing?.metadata?.uid ?? input.metadata?.uid ?? randomUUID(),
      creationTimestamp: existing?.metadata?.creationTimestamp ?? input.metadata?.creationTimestamp ?? nowIso(),
      resourceVersion: String(this.rv),
    };
    bucket.set(key, object);
    this.record({ rv: this.rv, type: existing ? "MODIFIED" : "ADDED", resource, object, ...(existing ? { previous: existing } : {}) });
    return structuredClone(object);
  }

  delete(resource: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const key = objectKey(resource.namespaced ? namespace : undefined, name);
    const bucket = this.bucket(resource);
    const existing = bucket.get(key);
    if (!existing) throw new ApiError(404, "NotFound", `${resource.plural} "${name}" not found`);
    bucket.delete(key);
    this.rv++;
    const object = { ...existing, metadata: { ...existing.metadata, resourceVersion: String(this.rv) } };
    this.record({ rv: this.rv, type: "DELETED", resource, object });
    return structuredClone(object);
  }

  private record(change: Change): void {
    this.history.push(change);
    while (this.history.length > this.historyLimit) {
      const dropped = this.history.shift();
      if (dropped) this.horizon = dropped.rv;
    }
    for (const listener of this.listeners) listener(change);
  }

  /** Changes after `rv`, or "gone" when some of them were already forgotten. */
  changesSince(rv: number): Change[] | "gone" {
    if (rv < this.horizon) return "gone";
    return this.history.filter((c) => c.rv > rv);
  }

  /** Forgets all history and moves the clock on, so every resourceVersion a client holds is too old. */
  compact(): void {
    this.rv++;
    this.horizon = this.rv;
    this.history = [];
  }

  oldestValidRv(): number {
    return this.horizon;
  }

  subscribe(listener: (change: Change) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
