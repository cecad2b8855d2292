/**
 * Informers that do not give up. client-node's ListWatch relists on 410 Gone but
 * stops for good on any other error; this wrapper restarts it with backoff,
 * asks for bookmarks, makes the server end each watch after a while (a silent
 * dead connection cannot hang us forever), turns a 410 ERROR event into an
 * immediate relist, and paces reconnects when a server keeps closing watches.
 * Relists are harmless downstream: detection is state based and keyed.
 */
import {
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  ListWatch,
  Watch,
} from "@kubernetes/client-node";
import { type BackoffOptions, fullJitter } from "./backoff.ts";
import type { Logger } from "./log.ts";
import { withTimeout } from "./timeout.ts";

export type ChangeVerb = "add" | "update" | "delete";

export interface InformerOptions<T extends KubernetesObject> {
  kubeConfig: KubeConfig;
  /** Label for logs and metrics, e.g. `pods` or `pods/shop`. */
  resource: string;
  /** Watch path, e.g. `/api/v1/pods` or `/api/v1/namespaces/shop/events`. */
  path: string;
  /**
   * Lists the resource; applies `transform` to each item as it arrives (a paged list
   * transforms each page before fetching the next).
   */
  list: (transform: (obj: T) => T) => Promise<KubernetesListObject<T>>;
  /**
   * What the cache keeps of each listed or watched object (client-go's informer transform);
   * defaults to slim(). Must be idempotent.
   */
  transform?: (obj: T) => T;
  fieldSelector?: string;
  backoff: BackoffOptions;
  /** Server-side watch timeout; randomised in [t, 2t) like client-go. */
  watchTimeoutSeconds: number;
  /** A list that takes longer fails (and is retried): a hung connection must not stall the informer. */
  listTimeoutMs: number;
  logger: Logger;
  onChange(obj: T, verb: ChangeVerb): void;
  /** Called for every restart after an error (`error`) or relist after 410 (`gone`). */
  onRestart(resource: string, reason: "error" | "gone"): void;
}

type WatchCallback = (phase: string, obj: { code?: number }, watchObj?: unknown) => void;
type DoneCallback = (err: unknown) => void;

/**
 * A 403 from the API server: the RBAC the forwarder runs with lacks a permission. Retrying
 * cannot fix it, so it is named (log and /readyz) until a list succeeds again.
 */
export function forbiddenReason(resource: string, err: unknown): string | undefined {
  const e = err as { statusCode?: number; code?: number; body?: unknown } | null | undefined;
  if (e?.statusCode !== 403 && e?.code !== 403) return undefined;
  let message: string | undefined;
  try {
    const body = typeof e.body === "string" ? (JSON.parse(e.body) as { message?: unknown }) : (e.body as { message?: unknown } | undefined);
    if (typeof body?.message === "string") message = body.message;
  } catch {
    // Not a Status body: the reason names the resource only.
  }
  const verb = /cannot (\w+) resource/.exec(message ?? "")?.[1] ?? "list";
  return `forbidden: cannot ${verb} ${resource}${message ? ` (${message})` : ""}`;
}

const isGone = (err: unknown) => {
  const e = err as { statusCode?: number; code?: number } | null | undefined;
  return e?.statusCode === 410 || e?.code === 410;
};

/**
 * Drops what the forwarder never reads but every cached object carries: managedFields and the
 * last-applied annotation are often a third of a pod's size, and the caches hold every pod.
 */
export function slim<T extends KubernetesObject>(obj: T): T {
  const meta = obj?.metadata;
  if (meta) {
    delete meta.managedFields;
    if (meta.annotations) delete meta.annotations["kubectl.kubernetes.io/last-applied-configuration"];
  }
  return obj;
}

const CHANGES = new Set(["ADDED", "MODIFIED", "DELETED"]);

/** Watches that end sooner than this without an error count as "short" and are paced. */
const SHORT_WATCH_MS = 1000;

export class ResilientInformer<T extends KubernetesObject> {
  private readonly informer: ListWatch<T>;
  private stopped = true;
  private attempts = 0;
  private shortWatches = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private syncedOnce = false;
  private forbidden: string | undefined;

  constructor(private readonly opts: InformerOptions<T>) {
    const real = new Watch(opts.kubeConfig);
    const transform = opts.transform ?? slim;
    const watcher = { watch: (path: string, params: Record<string, unknown>, cb: WatchCallback, done: DoneCallback) =>
      this.watch(real, path, params, cb, done, transform) };
    const list = () => withTimeout(opts.list(transform), opts.listTimeoutMs, `list ${opts.resource}`);
    this.informer = new ListWatch<T>(opts.path, watcher as unknown as Watch, list, false, undefined, opts.fieldSelector);
    this.informer.on("add", (o) => opts.onChange(o, "add"));
    this.informer.on("update", (o) => opts.onChange(o, "update"));
    this.informer.on("delete", (o) => opts.onChange(o, "delete"));
    this.informer.on("error", (err) => this.restartAfterError(err));
  }

  /** Lists, then watches. Resolves after the first attempt (synced or not); keeps retrying in the background. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.informer.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    await this.informer.stop();
  }

  /** True once a list has been loaded into the cache. */
  get synced(): boolean {
    return this.syncedOnce;
  }

  /** Why the API server refuses this informer (RBAC), until a list succeeds again. */
  get forbiddenReason(): string | undefined {
    return this.forbidden;
  }

  list(): readonly T[] {
    return this.informer.list();
  }

  get(name: string, namespace?: string): T | undefined {
    return this.informer.get(name, namespace);
  }

  private async watch(real: Watch, path: string, params: Record<string, unknown>, cb: WatchCallback, done: DoneCallback, transform: (obj: T) => T) {
    // ListWatch calls watch() right after a list has been applied to its cache.
    this.syncedOnce = true;
    this.forbidden = undefined;
    const started = Date.now();
    let finished = false;
    const finish = (err: unknown) => {
      if (finished) return;
      finished = true;
      if (this.stopped) return done(err);
      if (isGone(err)) {
        this.opts.onRestart(this.opts.resource, "gone");
        this.opts.logger.info("watch expired (410 Gone): relisting", { resource: this.opts.resource });
        return done(err);
      }
      if (err || Date.now() - started >= SHORT_WATCH_MS) {
        this.shortWatches = 0;
        return done(err);
      }
      // Closed cleanly but at once: pace reconnects so a flapping server is not hammered.
      this.shortWatches++;
      setTimeout(() => done(null), fullJitter(this.shortWatches, this.opts.backoff));
    };
    const timeout = this.opts.watchTimeoutSeconds;
    const serverTimeout = Math.floor(timeout + Math.random() * timeout);
    const query = { ...params, allowWatchBookmarks: true, timeoutSeconds: serverTimeout };
    const controller = await real.watch(
      path,
      query,
      (phase, obj, raw) => {
        if (phase === "ERROR" && obj?.code === 410) return finish({ code: 410 });
        // BOOKMARK and ERROR objects are not resources (a resourceVersion, a Status): passed as they are.
        cb(phase, CHANGES.has(phase) ? (transform(obj as T) as typeof obj) : obj, raw);
      },
      finish,
    );
    if (!finished) {
      this.attempts = 0;
      // The server ends the watch after serverTimeout; one still open well after that is a dead
      // connection nobody will close (silent partition): abort it, which restarts the informer.
      const watchdog = setTimeout(() => {
        if (finished) return;
        this.opts.logger.warn("watch silent past its timeout: restarting", { resource: this.opts.resource });
        controller.abort();
        finish(new Error("watch deadline exceeded"));
      }, (serverTimeout + Math.min(30, timeout)) * 1000);
      watchdog.unref?.();
      const clear = () => clearTimeout(watchdog);
      controller.signal.addEventListener("abort", clear, { once: true });
    }
    return controller;
  }

  private restartAfterError(err: unknown): void {
    if (this.stopped) return;
    this.attempts++;
    const delay = Math.max(this.opts.backoff.baseMs / 2, fullJitter(this.attempts, this.opts.backoff));
    this.opts.onRestart(this.opts.resource, "error");
    const forbidden = forbiddenReason(this.opts.resource, err);
    if (forbidden && forbidden !== this.forbidden) {
      this.opts.logger.error("the API server refuses the forwarder's ServiceAccount (RBAC): grant it as forwarder/deploy/clusterrole.yaml does", {
        resource: this.opts.resource,
        reason: forbidden,
      });
    }
    this.forbidden = forbidden;
    this.opts.logger.warn("watch failed: restarting", {
      resource: this.opts.resource,
      error: err instanceof Error ? err.message : String((err as { message?: unknown })?.message ?? err),
      delayMs: delay,
      attempt: this.attempts,
    });
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      if (!this.stopped) this.informer.start().catch((e) => this.restartAfterError(e));
    }, delay);
  }
}
