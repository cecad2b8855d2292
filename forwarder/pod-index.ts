/**
 * Lookups the informer caches do not offer, kept in step with their change
 * callbacks: pods by UID and by node, Evicted events by pod UID. At 10 000 pods
 * and a burst of OOMs, scanning the caches per occurrence would dominate.
 */
import type { CoreV1Event, V1Pod } from "@kubernetes/client-node";
import type { ChangeVerb } from "./watch.ts";

export class PodIndex {
  private readonly byUid = new Map<string, V1Pod>();
  private readonly byNode = new Map<string, Map<string, V1Pod>>();

  apply(pod: V1Pod, verb: ChangeVerb): void {
    const uid = pod.metadata?.uid;
    if (!uid) return;
    const previous = this.byUid.get(uid);
    const oldNode = previous?.spec?.nodeName;
    if (oldNode) this.byNode.get(oldNode)?.delete(uid);
    if (verb === "delete") {
      this.byUid.delete(uid);
      return;
    }
    this.byUid.set(uid, pod);
    const node = pod.spec?.nodeName;
    if (!node) return;
    let onNode = this.byNode.get(node);
    if (!onNode) {
      onNode = new Map();
      this.byNode.set(node, onNode);
    }
    onNode.set(uid, pod);
  }

  get(uid: string): V1Pod | undefined {
    return this.byUid.get(uid);
  }

  onNode(node: string): V1Pod[] {
    return [...(this.byNode.get(node)?.values() ?? [])];
  }
}

export class EvictedEventIndex {
  private readonly byPodUid = new Map<string, CoreV1Event>();

  apply(event: CoreV1Event, verb: ChangeVerb): void {
    const uid = event.involvedObject?.uid;
    if (event.reason !== "Evicted" || !uid) return;
    if (verb === "delete") this.byPodUid.delete(uid);
    else this.byPodUid.set(uid, event);
  }

  get(podUid: string): CoreV1Event | undefined {
    return this.byPodUid.get(podUid);
  }
}
