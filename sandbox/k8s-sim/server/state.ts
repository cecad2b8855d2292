/** What one simulator process holds besides the objects' store: pod logs, open watches, recorded requests, the outage switch, tokens and RBAC. */
import type { Identity, RbacPolicy } from "../rbac.ts";
import type { ObjectStore } from "../store.ts";
import type { WatchConnection } from "../watch.ts";
import type { PodLogs } from "./logs.ts";
import type { MetricsBoard } from "./metrics.ts";

export interface RecordedRequest {
  method: string;
  /** Request path with its query string, as sent. */
  path: string;
}

/** Bounded: a long sandbox run must not grow without limit. */
const MAX_RECORDED_REQUESTS = 20_000;

export class RequestLog {
  private recorded: RecordedRequest[] = [];

  add(request: RecordedRequest): void {
    this.recorded.push(request);
    if (this.recorded.length > MAX_RECORDED_REQUESTS) this.recorded = this.recorded.slice(-MAX_RECORDED_REQUESTS / 2);
  }

  all(): RecordedRequest[] {
    return [...this.recorded];
  }

  clear(): void {
    this.recorded = [];
  }
}

export interface SimState {
  store: ObjectStore;
  logs: PodLogs;
  /** metrics.k8s.io: evaluated per request, not stored objects. */
  metrics: MetricsBoard;
  watches: Set<WatchConnection>;
  requests: RequestLog;
  /** When set, every request fails this way (see `setAvailable`). */
  outage: "reset" | "503" | undefined;
  /** Bookmark interval for watches that ask for bookmarks. */
  bookmarkIntervalMs: number;
  /** Bearer token -> who it authenticates: a request without a known token gets 401. */
  identities: Map<string, Identity>;
  /** What each identity may do: anything not granted gets 403. */
  rbac: RbacPolicy;
}
