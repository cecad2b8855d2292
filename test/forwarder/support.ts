/**
 * Integration harness for forwarder tests: the Kubernetes API simulator over
 * HTTP (real client-node), the SQS emulator through createTestAws (real SDK),
 * and forwarders with test-sized timings.
 */
import { KubeConfig } from "@kubernetes/client-node";
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { type Forwarder, type ForwarderOptions, startForwarder } from "../../forwarder/forwarder.ts";
import type { Logger } from "../../forwarder/log.ts";
import { FORWARDER, type K8sSimulator, startK8sSimulator } from "../../sandbox/k8s-sim/server.ts";
import { type Occurrence, OccurrenceSchema } from "../../shared/schema/occurrence.ts";
import { createTestAws, type TestAws } from "../support/aws.ts";

export interface Harness {
  sim: K8sSimulator;
  aws: TestAws;
  queueUrl: string;
  forwarders: Forwarder[];
  start(opts?: Partial<ForwarderOptions>): Promise<Forwarder>;
  /** Every message received from the events queue so far (deleted from the queue). */
  received: Occurrence[];
  /** Reads the queue until it has been empty for `quietMs`. */
  drain(quietMs?: number): Promise<Occurrence[]>;
  close(): Promise<void>;
}

/** Collects log lines so tests can assert on them (and the output stays quiet). */
export function collectingLogger(lines: { level: string; message: string; extra?: Record<string, unknown> }[] = []): Logger & { lines: typeof lines } {
  const at = (level: string) => (message: string, extra?: Record<string, unknown>) => void lines.push({ level, message, extra });
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

async function receiveOnce(sqs: SQSClient, queueUrl: string): Promise<Occurrence[]> {
  const res = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
  const messages = res.Messages ?? [];
  if (messages.length) {
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })),
      }),
    );
  }
  return messages.map((m) => OccurrenceSchema.parse(JSON.parse(m.Body ?? "")));
}

export async function createHarness(name: string): Promise<Harness> {
  const sim = await startK8sSimulator({ bookmarkIntervalMs: 200 });
  const aws = await createTestAws(name);
  const queueUrl = aws.queues.events.url;
  const forwarders: Forwarder[] = [];
  const received: Occurrence[] = [];
  const h: Harness = {
    sim,
    aws,
    queueUrl,
    forwarders,
    received,
    async start(opts = {}) {
      const f = await startForwarder({
        // As in a cluster: the forwarder's ServiceAccount, held to the shipped RBAC manifests.
        kubeConfig: sim.kubeConfig(FORWARDER),
        sqs: aws.clients.sqs,
        queueUrl,
        cluster: "test",
        logger: collectingLogger(),
        sendBackoff: { baseMs: 50, capMs: 400 },
        watchBackoff: { baseMs: 50, capMs: 400 },
        flushTimeoutMs: 2000,
        apiTimeoutMs: 1000,
        ...opts,
      });
      forwarders.push(f);
      return f;
    },
    async drain(quietMs = 400) {
      let quietSince = Date.now();
      while (Date.now() - quietSince < quietMs) {
        const got = await receiveOnce(aws.clients.sqs, queueUrl);
        if (got.length) {
          received.push(...got);
          quietSince = Date.now();
        } else await new Promise((r) => setTimeout(r, 50));
      }
      return received;
    },
    async close() {
      await Promise.allSettled(forwarders.map((f) => f.stop()));
      await sim.stop();
    },
  };
  return h;
}

/** Keys of received messages with how often each arrived. */
export function keyCounts(list: Occurrence[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const o of list) m.set(o.key, (m.get(o.key) ?? 0) + 1);
  return m;
}

/** A TCP proxy that can be cut and restored on the same port: outages and partitions for real clients. */
export interface TcpProxy {
  url: string;
  /** Refuse connections (and cut open ones). */
  down(): Promise<void>;
  /** Swallow traffic: connections open but nothing ever answers (a silent partition). */
  blackhole(): void;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const { createServer, connect } = await import("node:net");
  const t = new URL(target);
  const sockets = new Set<import("node:net").Socket>();
  let swallowing = false;
  const server = createServer((client) => {
    if (swallowing) {
      sockets.add(client);
      client.on("close", () => sockets.delete(client));
      client.on("error", () => client.destroy());
      client.resume();
      return;
    }
    const upstream = connect(Number(t.port), t.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve((server.address() as import("node:net").AddressInfo).port));
    });
  const port = await listen(0);
  const down = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      if (!server.listening) return resolve();
      server.close(() => resolve());
    });
  return {
    url: `http://127.0.0.1:${port}`,
    down,
    blackhole() {
      swallowing = true;
      for (const s of sockets) {
        s.unpipe();
        s.removeAllListeners("data");
        s.resume();
      }
    },
    async up() {
      swallowing = false;
      if (!server.listening) await listen(port);
    },
    close: down,
  };
}

/** The simulator's kubeconfig pointed at another server URL (e.g. a proxy in front of it). */
export function kubeConfigVia(sim: K8sSimulator, server: string): KubeConfig {
  const base = sim.kubeConfig(FORWARDER);
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: base.clusters.map((c) => ({ ...c, server })),
    users: base.users,
    contexts: base.contexts,
    currentContext: base.currentContext,
  });
  return kc;
}
