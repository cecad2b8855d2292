/**
 * The caches the forwarder watches: pods and events (all namespaces or a
 * configured set), nodes, and namespaces (routing annotations). With a
 * namespace set, node events are still needed: they live in `default` or
 * wherever the kubelet put them, so they get their own cluster-wide informer
 * filtered by `involvedObject.kind=Node`.
 */
import type { CoreV1Api, CoreV1Event, KubeConfig, KubernetesObject, V1Namespace, V1Node, V1Pod } from "@kubernetes/client-node";
import type { BackoffOptions } from "./backoff.ts";
import type { Logger } from "./log.ts";
import { projectNode, projectPod } from "./cache-projection.ts";
import { EvictedEventIndex, PodIndex } from "./pod-index.ts";
import { type ChangeVerb, ResilientInformer } from "./watch.ts";

type ListPage<T> = { items: T[]; metadata?: { resourceVersion?: string; _continue?: string } };

/** Page size of the initial lists (the apiserver's own default chunk size). */
export const LIST_PAGE_SIZE = 500;

/**
 * Lists in pages and transforms each page (the cache projection) before the next one is fetched,
 * so a large cluster's pods never sit in memory as one huge response or as full objects (that
 * response set the forwarder's peak RSS). The first page's resourceVersion is the snapshot every
 * continue token reads from.
 */
export async function listInPages<T extends KubernetesObject>(
  page: (p: { limit: number; _continue?: string }) => Promise<ListPage<T>>,
  transform: (obj: T) => T,
  limit = LIST_PAGE_SIZE,
): Promise<{ items: T[]; metadata: { resourceVersion?: string } }> {
  const items: T[] = [];
  let resourceVersion: string | undefined;
  let cont: string | undefined;
  do {
    const l = await page({ limit, ...(cont ? { _continue: cont } : {}) });
    for (const item of l.items ?? []) items.push(transform(item));
    resourceVersion ??= l.metadata?.resourceVersion;
    cont = l.metadata?._continue || undefined;
  } while (cont);
  return { items, metadata: { resourceVersion } };
}

export interface InformerSetOptions {
  kubeConfig: KubeConfig;
  core: CoreV1Api;
  namespaces?: string[];
  backoff: BackoffOptions;
  watchTimeoutSeconds: number;
  listTimeoutMs: number;
  logger: Logger;
  onPod(pod: V1Pod, verb: ChangeVerb): void;
  onEvent(event: CoreV1Event, verb: ChangeVerb): void;
  onNode(node: V1Node, verb: ChangeVerb): void;
  onRestart(resource: string, reason: "error" | "gone"): void;
}

export interface InformerSet {
  pods(): V1Pod[];
  pod(uid: string): V1Pod | undefined;
  podsOnNode(node: string): V1Pod[];
  evictedEvent(podUid: string): CoreV1Event | undefined;
  events(): CoreV1Event[];
  nodes(): V1Node[];
  node(name: string): V1Node | undefined;
  namespace(name: string): V1Namespace | undefined;
  synced(): boolean;
  /** Why the caches cannot be trusted: an informer the API server refuses (RBAC), or not listed yet. */
  notReadyReason(): string | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createInformers(opts: InformerSetOptions): InformerSet {
  const { core } = opts;
  const make = <T extends KubernetesObject>(
    resource: string,
    path: string,
    list: (transform: (obj: T) => T) => Promise<{ items: T[]; metadata?: { resourceVersion?: string } }>,
    onChange: (obj: T, verb: ChangeVerb) => void,
    opt: { fieldSelector?: string; transform?: (obj: T) => T } = {},
  ) =>
    new ResilientInformer<T>({
      kubeConfig: opts.kubeConfig,
      resource,
      path,
      list: list as never,
      fieldSelector: opt.fieldSelector,
      transform: opt.transform,
      backoff: opts.backoff,
      watchTimeoutSeconds: opts.watchTimeoutSeconds,
      listTimeoutMs: opts.listTimeoutMs,
      logger: opts.logger,
      onChange,
      onRestart: opts.onRestart,
    });

  const podIndex = new PodIndex();
  const evicted = new EvictedEventIndex();
  // Indexes first, so the forwarder's callbacks already see the new state.
  const onPod = (pod: V1Pod, verb: ChangeVerb) => {
    podIndex.apply(pod, verb);
    opts.onPod(pod, verb);
  };
  const onEvent = (event: CoreV1Event, verb: ChangeVerb) => {
    evicted.apply(event, verb);
    opts.onEvent(event, verb);
  };
  const scoped = opts.namespaces?.length ? opts.namespaces : undefined;
  const pods = scoped
    ? scoped.map((ns) => make<V1Pod>(`pods/${ns}`, `/api/v1/namespaces/${ns}/pods`, (t) => listInPages((p) => core.listNamespacedPod({ namespace: ns, ...p }), t), onPod, { transform: projectPod }))
    : [make<V1Pod>("pods", "/api/v1/pods", (t) => listInPages((p) => core.listPodForAllNamespaces(p), t), onPod, { transform: projectPod })];
  const nodeEvents = "involvedObject.kind=Node";
  const events = scoped
    ? [
        ...scoped.map((ns) =>
          make<CoreV1Event>(`events/${ns}`, `/api/v1/namespaces/${ns}/events`, (t) => listInPages((p) => core.listNamespacedEvent({ namespace: ns, ...p }), t), onEvent),
        ),
        make<CoreV1Event>("events/nodes", "/api/v1/events", (t) => listInPages((p) => core.listEventForAllNamespaces({ fieldSelector: nodeEvents, ...p }), t), onEvent, { fieldSelector: nodeEvents }),
      ]
    : [make<CoreV1Event>("events", "/api/v1/events", (t) => listInPages((p) => core.listEventForAllNamespaces(p), t), onEvent)];
  const nodes = make<V1Node>("nodes", "/api/v1/nodes", (t) => listInPages((p) => core.listNode(p), t), opts.onNode, { transform: projectNode });
  const namespaces = make<V1Namespace>("namespaces", "/api/v1/namespaces", (t) => core.listNamespace().then((l) => ({ ...l, items: l.items.map(t) })), () => {});
  const all: ResilientInformer<KubernetesObject>[] = [...pods, ...events, nodes, namespaces] as never;

  return {
    pods: () => pods.flatMap((i) => [...i.list()]),
    pod: (uid) => podIndex.get(uid),
    podsOnNode: (node) => podIndex.onNode(node),
    evictedEvent: (uid) => evicted.get(uid),
    events: () => events.flatMap((i) => [...i.list()]),
    nodes: () => [...nodes.list()],
    node: (name) => nodes.get(name),
    namespace: (name) => namespaces.get(name),
    synced: () => all.every((i) => i.synced),
    notReadyReason: () => all.find((i) => i.forbiddenReason)?.forbiddenReason ?? (all.every((i) => i.synced) ? undefined : "caches not synced yet"),
    async start() {
      await Promise.all(all.map((i) => i.start()));
    },
    async stop() {
      await Promise.all(all.map((i) => i.stop()));
    },
  };
}
