/** Pure pieces of the forwarder: memory settings, redaction, message trimming, key memory, outbox, config. */
import { describe, expect, it } from "vitest";
import { fullJitter } from "../../forwarder/backoff.ts";
import { createEvidence, type EvidenceApis } from "../../forwarder/evidence.ts";
import { silentLogger } from "../../forwarder/log.ts";
import { ConfigError, loadForwarderConfig, parseDuration } from "../../forwarder/config.ts";
import { KeyMemory } from "../../forwarder/key-memory.ts";
import { memorySettings } from "../../shared/k8s/memory-settings.ts";
import { Outbox, type OutboxEntry } from "../../forwarder/outbox.ts";
import { PodIndex } from "../../forwarder/pod-index.ts";
import { redact } from "../../shared/redact.ts";
import { DEFAULT_EARLY_WARNING_POLICY } from "../../shared/memory/early-warning.ts";
import type { Occurrence } from "../../shared/schema/occurrence.ts";

describe("memory settings", () => {
  it("keeps memory flags and allow-listed scalars only, never other values", () => {
    const s = memorySettings({
      name: "app",
      command: ["java", "-Xms256m", "-Dpassword=oops"],
      args: ["sh", "-c", "exec node --max-old-space-size=512 app.js --api-key=abc"],
      env: [
        { name: "JAVA_TOOL_OPTIONS", value: "-XX:+UseContainerSupport -XX:MaxRAMPercentage=75.0 -Dtoken=xyz" },
        { name: "GOMEMLIMIT", value: "900MiB" },
        { name: "GOGC", value: "not a value; rm -rf" },
        { name: "MALLOC_ARENA_MAX", valueFrom: { configMapKeyRef: { name: "c", key: "k" } } },
        { name: "NODE_OPTIONS", valueFrom: { secretKeyRef: { name: "s", key: "k" } } },
        { name: "GOMAXPROCS", valueFrom: { resourceFieldRef: { resource: "limits.cpu" } } },
        { name: "API_TOKEN", value: "secret" },
      ],
    });
    expect(s).toEqual({
      JAVA_TOOL_OPTIONS: "-XX:+UseContainerSupport -XX:MaxRAMPercentage=75.0",
      GOMEMLIMIT: "900MiB",
      MALLOC_ARENA_MAX: "<from configMapKeyRef>",
      NODE_OPTIONS: "<from secretKeyRef>",
      GOMAXPROCS: "<from resourceFieldRef limits.cpu>",
      args: "-Xms256m --max-old-space-size=512",
    });
  });
});

describe("redaction", () => {
  it.each([
    ["Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc", "eyJhbGciOiJIUzI1NiJ9"],
    ["connecting with password=hunter2 to db", "hunter2"],
    ['{"api_key": "k-123456"}', "k-123456"],
    ["using AKIAIOSFODNN7EXAMPLE and wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "AKIAIOSFODNN7EXAMPLE"],
    ["aws secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"],
    ["postgres://app:pa55word@db:5432/x", "pa55word"],
    ["slack xoxb-1234-5678-abcdef", "xoxb-1234-5678-abcdef"],
    ["client_secret: s3cr3t", "s3cr3t"],
  ])("removes the secret from %s", (line, secret) => {
    const out = redact(line);
    expect(out).not.toContain(secret);
    expect(out).toContain("[REDACTED]");
  });

  it("leaves ordinary lines alone", () => {
    const line = "java.lang.OutOfMemoryError: Java heap space at com.example.Cache.put(Cache.java:42)";
    expect(redact(line)).toBe(line);
  });
});

describe("key memory", () => {
  it("remembers within the TTL and the capacity", () => {
    let now = 0;
    const m = new KeyMemory(2, 100, () => now);
    m.add("a");
    m.add("b");
    expect(m.has("a")).toBe(true);
    m.add("c");
    expect(m.has("a")).toBe(false);
    now = 101;
    expect(m.has("c")).toBe(false);
  });
});

describe("outbox", () => {
  const entry = (key: string): OutboxEntry => ({ key, body: key, occurrence: {} as Occurrence, attempts: 0, notBefore: 0 });
  it("sheds the oldest when full and honours backoff", () => {
    const shed: string[] = [];
    const o = new Outbox(2, (e) => shed.push(e.key));
    o.push(entry("a"));
    o.push(entry("b"));
    o.push(entry("c"));
    expect(shed).toEqual(["a"]);
    const batch = o.take(10, 0);
    expect(batch.map((e) => e.key)).toEqual(["b", "c"]);
    expect(o.depth).toBe(2);
    batch[0]!.notBefore = 1000;
    o.settle(2, [batch[0]!]);
    expect(o.take(10, 500)).toEqual([]);
    expect(o.nextDueIn(500)).toBe(500);
  });

  it("sheds the oldest, not the newest, when a failed batch comes back to a full outbox", () => {
    const shed: string[] = [];
    const o = new Outbox(3, (e) => shed.push(e.key));
    o.push(entry("a"));
    o.push(entry("b"));
    const batch = o.take(10, 0);
    // While a and b are in flight, newer entries fill the waiting queue.
    o.push(entry("c"));
    o.push(entry("d"));
    o.push(entry("e"));
    o.settle(batch.length, batch);
    expect(shed).toEqual(["a", "b"]);
    expect(o.take(10, 0).map((e) => e.key)).toEqual(["c", "d", "e"]);
  });
});

describe("backoff", () => {
  it("is full jitter under an exponential, capped ceiling", () => {
    expect(fullJitter(3, { baseMs: 100, capMs: 10_000 }, () => 0.999)).toBe(799);
    expect(fullJitter(30, { baseMs: 100, capMs: 10_000 }, () => 0.5)).toBe(5000);
    expect(fullJitter(3, { baseMs: 100, capMs: 10_000 }, () => 0)).toBe(0);
  });
});

describe("config", () => {
  const env = { OOMWATCH_CLUSTER: "prod", EVENTS_QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/1/oomwatch-events", POD_NAME: "fwd-0", POD_NAMESPACE: "oomwatch" };
  it("has sane defaults", () => {
    expect(loadForwarderConfig(env)).toEqual({
      cluster: "prod",
      queueUrl: env.EVENTS_QUEUE_URL,
      namespaces: undefined,
      lookbackMs: 3_600_000,
      leaderElection: { namespace: "oomwatch", name: "oomwatch-forwarder", leaseDurationMs: 15_000, renewMs: 5_000 },
      identity: "fwd-0",
      outboxSize: 10_000,
      captureLogs: false,
      metricsPort: 8080,
      flushTimeoutMs: 10_000,
      logLevel: "INFO",
      metricsIntervalMs: 30_000,
      earlyWarningPolicy: DEFAULT_EARLY_WARNING_POLICY,
    });
  });

  it("reads the sampling interval and the early-warning policy, naming a bad one", () => {
    const c = loadForwarderConfig({ ...env, METRICS_INTERVAL: "15s", EARLY_WARNING_POLICY: '{"container":{"warning":{"percent":80}},"trend":{"enabled":false}}' });
    expect(c.metricsIntervalMs).toBe(15_000);
    expect(c.earlyWarningPolicy.container.warning).toEqual({ percent: 80, forSeconds: 300 });
    expect(c.earlyWarningPolicy.trend.enabled).toBe(false);
    expect(() => loadForwarderConfig({ ...env, EARLY_WARNING_POLICY: "{oops" })).toThrow(/EARLY_WARNING_POLICY: is not JSON/);
    expect(() => loadForwarderConfig({ ...env, EARLY_WARNING_POLICY: '{"node":{"critical":{"percent":-5}}}' })).toThrow(/EARLY_WARNING_POLICY: node\.critical\.percent/);
  });

  it("lets flags override env", () => {
    const c = loadForwarderConfig({ ...env, OOMWATCH_NAMESPACES: "a" }, { namespaces: "shop, pay", lookback: "30m", leaderElection: "false" });
    expect(c).toMatchObject({ namespaces: ["shop", "pay"], lookbackMs: 1_800_000, leaderElection: false });
  });

  it("names every bad value", () => {
    expect(() => loadForwarderConfig({ OOMWATCH_LOOKBACK: "soon", OOMWATCH_OUTBOX_SIZE: "-1" })).toThrow(ConfigError);
    try {
      loadForwarderConfig({ OOMWATCH_LOOKBACK: "soon", OOMWATCH_OUTBOX_SIZE: "-1" });
    } catch (err) {
      const text = (err as Error).message;
      for (const name of ["OOMWATCH_CLUSTER", "EVENTS_QUEUE_URL", "OOMWATCH_LOOKBACK", "OOMWATCH_OUTBOX_SIZE"]) expect(text).toContain(name);
    }
  });

  it("parses durations", () => {
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("250ms")).toBe(250);
    expect(parseDuration("1500")).toBe(1500);
    expect(parseDuration("1 hour")).toBeUndefined();
  });
});

describe("pod index", () => {
  it("follows adds, node assignment and deletes", () => {
    const idx = new PodIndex();
    const pod = (node?: string) => ({ metadata: { uid: "u1", name: "p" }, spec: { containers: [], nodeName: node } });
    idx.apply(pod(), "add");
    expect(idx.get("u1")?.metadata?.name).toBe("p");
    expect(idx.onNode("n1")).toEqual([]);
    idx.apply(pod("n1"), "update");
    expect(idx.onNode("n1")).toHaveLength(1);
    idx.apply(pod("n1"), "delete");
    expect(idx.get("u1")).toBeUndefined();
    expect(idx.onNode("n1")).toEqual([]);
  });
});

describe("evidence metrics", () => {
  it("fetches the cluster-wide metrics lists once for every node within the cache time", async () => {
    const calls = { nodes: 0, pods: 0 };
    const metrics = {
      getNodeMetrics: async () => {
        calls.nodes++;
        return { items: [{ metadata: { name: "a" }, usage: { memory: "1Gi" } }, { metadata: { name: "b" }, usage: { memory: "2Gi" } }] };
      },
      getPodMetrics: async () => {
        calls.pods++;
        return { items: [{ metadata: { namespace: "ns", name: "p" }, containers: [{ name: "c", usage: { memory: "1Mi" } }] }] };
      },
    };
    const evidence = createEvidence({ apis: { metrics } as unknown as EvidenceApis, logger: silentLogger, metricsCacheMs: 60_000 });
    const [a, b] = await Promise.all([evidence.nodeMetrics("a"), evidence.nodeMetrics("b")]);
    const c = await evidence.nodeMetrics("c");
    expect(calls).toEqual({ nodes: 1, pods: 1 });
    expect(a.nodeMemory).toBe(1024 ** 3);
    expect(b.nodeMemory).toBe(2 * 1024 ** 3);
    expect(c.nodeMemory).toBeUndefined();
    expect(b.podMemory?.get("ns/p")).toBe(1024 ** 2);
  });
});
