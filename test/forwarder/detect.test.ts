import type { CoreV1Event, V1Node, V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { detectFromEvent, detectFromNode, detectFromPod, detectNodeGone, parseEvictionMessage } from "../../forwarder/detect/index.ts";
import { isPressureCleared } from "../../shared/domain/node-pressure.ts";

const T1 = "2026-01-10T10:00:00Z";
const T1ISO = "2026-01-10T10:00:00.000Z";

function pod(status: V1Pod["status"], spec: Partial<NonNullable<V1Pod["spec"]>> = {}): V1Pod {
  return {
    metadata: { name: "api-7d9-x", namespace: "shop", uid: "uid-1" },
    spec: { nodeName: "node-a", containers: [{ name: "app" }], ...spec },
    status,
  };
}

describe("container OOM detection", () => {
  it("detects OOMKilled in lastState with the documented key", () => {
    const d = detectFromPod(
      pod({
        containerStatuses: [
          {
            name: "app",
            image: "x",
            imageID: "",
            ready: true,
            restartCount: 3,
            lastState: { terminated: { reason: "OOMKilled", exitCode: 137, finishedAt: T1 as never, containerID: "c1" } },
          },
        ],
      }),
    );
    expect(d).toHaveLength(1);
    expect(d[0]!.occurrence).toMatchObject({
      key: `oom:uid-1:app:${T1ISO}`,
      kind: "ContainerOOM",
      occurredAt: T1ISO,
      namespace: "shop",
      node: "node-a",
      container: { name: "app", type: "regular", reason: "OOMKilled", exitCode: 137, restartCount: 3 },
    });
    expect(d[0]!.notMemory).toBeUndefined();
  });

  it("gives the same key for the string and Date forms of the same time", () => {
    const at = (finishedAt: unknown) =>
      detectFromPod(
        pod({
          containerStatuses: [
            { name: "app", image: "", imageID: "", ready: false, restartCount: 0, state: { terminated: { reason: "OOMKilled", exitCode: 137, finishedAt: finishedAt as Date } } },
          ],
        }),
      )[0]!.occurrence.key;
    expect(at(T1)).toBe(at(new Date(T1)));
  });

  it("does not require exit code 137, and ignores 137 without OOMKilled", () => {
    const d = detectFromPod(
      pod({
        containerStatuses: [
          { name: "app", image: "", imageID: "", ready: false, restartCount: 1, state: { terminated: { reason: "OOMKilled", exitCode: 1, finishedAt: T1 as never } } },
          { name: "liveness", image: "", imageID: "", ready: false, restartCount: 1, lastState: { terminated: { reason: "Error", exitCode: 137, finishedAt: T1 as never } } },
        ],
      }),
    );
    expect(d.map((x) => x.occurrence.container?.name)).toEqual(["app"]);
  });

  it("types init, sidecar and ephemeral containers", () => {
    const oom = { terminated: { reason: "OOMKilled", exitCode: 137, finishedAt: T1 as never } };
    const st = (name: string) => ({ name, image: "", imageID: "", ready: false, restartCount: 0, state: oom });
    const d = detectFromPod(
      pod(
        { initContainerStatuses: [st("migrate"), st("proxy")], ephemeralContainerStatuses: [st("debug")] },
        {
          initContainers: [{ name: "migrate" }, { name: "proxy", restartPolicy: "Always" }],
          ephemeralContainers: [{ name: "debug" }],
        },
      ),
    );
    expect(Object.fromEntries(d.map((x) => [x.occurrence.container!.name, x.occurrence.container!.type]))).toEqual({
      migrate: "init",
      proxy: "sidecar",
      debug: "ephemeral",
    });
  });

  it("reports state and lastState OOMs as two occurrences, each once", () => {
    const d = detectFromPod(
      pod({
        containerStatuses: [
          {
            name: "app",
            image: "",
            imageID: "",
            ready: false,
            restartCount: 2,
            state: { terminated: { reason: "OOMKilled", exitCode: 137, finishedAt: "2026-01-10T10:05:00Z" as never } },
            lastState: { terminated: { reason: "OOMKilled", exitCode: 137, finishedAt: T1 as never } },
          },
        ],
      }),
    );
    expect(new Set(d.map((x) => x.occurrence.key)).size).toBe(2);
  });
});

const NEW_MSG =
  "The node was low on resource: memory. Threshold quantity: 100Mi, available: 91728Ki. Container app was using 1Gi, request is 512Mi, has larger consumption of memory. ";
const OLD_MSG =
  "The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi. Container app was using 600Mi, which exceeds its request of 256Mi. ";

describe("eviction message parser", () => {
  it("parses the new kubelet format", () => {
    expect(parseEvictionMessage(NEW_MSG)).toEqual({
      resource: "memory",
      thresholdBytes: 100 * 2 ** 20,
      availableBytes: 91728 * 1024,
      containers: [{ name: "app", usageBytes: 2 ** 30, requestBytes: 512 * 2 ** 20 }],
    });
  });

  it("parses the old kubelet format", () => {
    expect(parseEvictionMessage(OLD_MSG)?.containers).toEqual([
      { name: "app", usageBytes: 600 * 2 ** 20, requestBytes: 256 * 2 ** 20 },
    ]);
  });

  it("merges the Event annotations", () => {
    const p = parseEvictionMessage("The node was low on resource: memory. ", {
      offending_containers: "app,sidecar",
      offending_containers_usage: "1Gi,20Mi",
      starved_resource: "memory",
    });
    expect(p?.containers).toEqual([
      { name: "app", usageBytes: 2 ** 30 },
      { name: "sidecar", usageBytes: 20 * 2 ** 20 },
    ]);
  });

  it("labels ephemeral-storage and pids evictions", () => {
    expect(parseEvictionMessage("The node was low on resource: ephemeral-storage. Threshold quantity: 1Gi, available: 10Mi. ")?.resource).toBe("ephemeral-storage");
    expect(parseEvictionMessage('Container app exceeded its local ephemeral storage limit "1Gi". ')?.resource).toBe("ephemeral-storage");
    expect(parseEvictionMessage("The node was low on resource: pids. ")?.resource).toBe("pids");
    expect(parseEvictionMessage("The node had condition: [MemoryPressure]. ")?.resource).toBe("memory");
  });

  it("does not read graceful node shutdown as an eviction", () => {
    expect(parseEvictionMessage("Pod was terminated in response to imminent node shutdown.")).toBeUndefined();
  });
});

describe("pod eviction detection", () => {
  it("detects status.reason Evicted once with key evict:<uid>", () => {
    const d = detectFromPod(pod({ phase: "Failed", reason: "Evicted", message: NEW_MSG }));
    expect(d).toHaveLength(1);
    expect(d[0]!.occurrence).toMatchObject({ key: "evict:uid-1", kind: "PodEviction", eviction: { resource: "memory", signal: "pod-status" } });
    expect(d[0]!.notMemory).toBeUndefined();
  });

  it("detects a memory DisruptionTarget and ignores graceful node shutdown", () => {
    const cond = (message: string) => ({
      phase: "Running",
      conditions: [{ type: "DisruptionTarget", status: "True", reason: "TerminationByKubelet", message, lastTransitionTime: T1 as never }],
    });
    const mem = detectFromPod(pod(cond(OLD_MSG)));
    expect(mem[0]!.occurrence).toMatchObject({ key: "evict:uid-1", occurredAt: T1ISO, eviction: { signal: "disruption-target" } });
    expect(detectFromPod(pod(cond("Pod was terminated in response to imminent node shutdown.")))).toEqual([]);
  });

  it("labels ephemeral-storage evictions as not memory", () => {
    const d = detectFromPod(pod({ phase: "Failed", reason: "Evicted", message: "Pod ephemeral local storage usage exceeds the total limit of containers 1Gi. " }));
    expect(d[0]!.notMemory).toBe("eviction:ephemeral-storage");
  });
});

function event(reason: string, message: string, kind = "Node", type = "Warning", extra: Partial<CoreV1Event> = {}): CoreV1Event {
  return {
    metadata: { name: `e-${reason}`, namespace: "default" },
    involvedObject: { kind, name: kind === "Node" ? "node-a" : "api-7d9-x", namespace: kind === "Node" ? undefined : "shop", uid: "uid-1" },
    reason,
    message,
    type,
    lastTimestamp: T1 as never,
    source: { component: "kubelet", host: "node-a" },
    ...extra,
  };
}

describe("event detection", () => {
  it("detects SystemOOM with victim and pid", () => {
    const d = detectFromEvent(event("SystemOOM", "System OOM encountered, victim process: java, pid: 4242"));
    expect(d[0]!.occurrence).toMatchObject({
      key: `nodeoom:node-a:SystemOOM:4242:${T1ISO}`,
      kind: "NodeOOM",
      nodeOOM: { reason: "SystemOOM", process: "java", pid: 4242 },
    });
  });

  it("detects node-problem-detector OOMKilling", () => {
    const d = detectFromEvent(
      event("OOMKilling", "Memory cgroup out of memory: Killed process 977 (python3) total-vm:1GB, anon-rss:900MB"),
    );
    expect(d[0]!.occurrence).toMatchObject({ key: `nodeoom:node-a:OOMKilling:977:${T1ISO}`, nodeOOM: { process: "python3", pid: 977 } });
  });

  it("detects memory pressure events, including the Normal NodeHasInsufficientMemory", () => {
    expect(detectFromEvent(event("EvictionThresholdMet", "Attempting to reclaim memory"))[0]!.occurrence.kind).toBe("NodeMemoryPressure");
    const normal = detectFromEvent(event("NodeHasInsufficientMemory", "Node node-a status is now: NodeHasInsufficientMemory", "Node", "Normal"));
    expect(normal[0]!.occurrence).toMatchObject({ key: `pressure:node-a:${T1ISO}`, pressure: { status: "True" } });
    expect(detectFromEvent(event("EvictionThresholdMet", "Attempting to reclaim ephemeral-storage"))[0]!.notMemory).toBe("pressure:ephemeral-storage");
  });

  it("detects the pod Evicted event with annotations", () => {
    const d = detectFromEvent(
      event("Evicted", "The node was low on resource: memory. Threshold quantity: 100Mi, available: 80Mi. ", "Pod", "Warning", {
        metadata: { name: "ev", namespace: "shop", annotations: { offending_containers: "app", offending_containers_usage: "700Mi", starved_resource: "memory" } },
      }),
    );
    expect(d[0]!.occurrence).toMatchObject({ key: "evict:uid-1", eviction: { signal: "event", containers: [{ name: "app", usageBytes: 700 * 2 ** 20 }] } });
  });

  it("ignores unrelated events", () => {
    expect(detectFromEvent(event("BackOff", "Back-off restarting failed container", "Pod"))).toEqual([]);
  });
});

describe("node condition detection", () => {
  const node = (status: string, created?: string): V1Node => ({
    metadata: { name: "node-a", ...(created ? { creationTimestamp: created as never } : {}) },
    status: { conditions: [{ type: "MemoryPressure", status, reason: "KubeletHasInsufficientMemory", lastTransitionTime: T1 as never }] },
  });
  const minutesBefore = (iso: string, m: number) => new Date(Date.parse(iso) - m * 60_000).toISOString();

  it("detects MemoryPressure True keyed by transition time", () => {
    expect(detectFromNode(node("True"))[0]!.occurrence).toMatchObject({ key: `pressure:node-a:${T1ISO}`, source: "node-condition" });
  });

  it("a False long after the node registered is a cleared signal: same kind, status False, its own key", () => {
    const [d, ...rest] = detectFromNode(node("False", minutesBefore(T1, 60)));
    expect(rest).toEqual([]);
    expect(isPressureCleared(d!.occurrence)).toBe(true);
    expect(d!.occurrence).toMatchObject({ key: `pressure-cleared:node-a:${T1ISO}`, kind: "NodeMemoryPressure", occurredAt: T1ISO, pressure: { status: "False" }, source: "node-condition" });
  });

  it("the False a node registered with is not a clear, unless the forwarder saw it under pressure", () => {
    expect(detectFromNode(node("False", minutesBefore(T1, 1)))).toEqual([]);
    expect(detectFromNode(node("False"))).toEqual([]);
    expect(detectFromNode(node("False", minutesBefore(T1, 1)), true).map((d) => d.occurrence.key)).toEqual([`pressure-cleared:node-a:${T1ISO}`]);
    expect(detectFromNode(node("Unknown", minutesBefore(T1, 60)))).toEqual([]);
  });

  it("a node deleted under pressure clears it; a healthy node's deletion says nothing", () => {
    const gone = { ...node("True"), metadata: { name: "node-a", deletionTimestamp: "2026-01-10T11:00:00Z" as never } };
    expect(detectNodeGone(gone).map((d) => [d.occurrence.key, d.occurrence.occurredAt, isPressureCleared(d.occurrence)])).toEqual([
      [`pressure-cleared:node-a:deleted:${T1ISO}`, "2026-01-10T11:00:00.000Z", true],
    ]);
    expect(detectNodeGone(node("False", minutesBefore(T1, 60)))).toEqual([]);
  });
});
