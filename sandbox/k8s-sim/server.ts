/**
 * Kubernetes API simulator: an HTTP server on a free loopback port that speaks
 * enough of the real API protocol (lists with resourceVersion and paging, watches
 * with bookmarks and 410 Gone, selectors, CRUD with optimistic concurrency, pod
 * logs, metrics API, discovery) for the real `@kubernetes/client-node` to run
 * against it unchanged. Tests and the sandbox drive it through the object API
 * (server/controls.ts), scenarios (scenario.ts) or recordings (recording.ts).
 *
 * Every request is authenticated by its bearer token and authorized by RBAC (rbac.ts):
 * each kubeconfig the simulator hands out carries the token of one identity (the admin,
 * the forwarder's ServiceAccount, analyze's group).
 *
 * This file starts and stops the server and hands out kubeconfigs; the rest is in
 * server/: routes.ts (routing, discovery, gets and watches), lists.ts, logs.ts,
 * writes.ts and controls.ts.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { dirname } from "node:path";
import { randomBytes } from "node:crypto";
import { KubeConfig } from "@kubernetes/client-node";
import { dropWatches, type SimulatorControls, simulatorControls } from "./server/controls.ts";
import { PodLogs } from "./server/logs.ts";
import { MetricsBoard } from "./server/metrics.ts";
import { requestListener } from "./server/routes.ts";
import { RequestLog, type SimState } from "./server/state.ts";
import { ADMIN, type Identity, RbacPolicy } from "./rbac.ts";
import { ObjectStore, type Change } from "./store.ts";

export type { RecordedRequest } from "./server/state.ts";
export { ADMIN, ANALYZE, FORWARDER, type Identity, RbacPolicy } from "./rbac.ts";
export type { SimulatorControls } from "./server/controls.ts";

export interface K8sSimulatorOptions {
  /** How often watches that asked for bookmarks get one (default 1000 ms; real servers: about a minute). */
  bookmarkIntervalMs?: number;
  /** Changes kept for watches to resume from (default 1000); older resourceVersions get 410 Gone. */
  historyLimit?: number;
  /** The admin's bearer token (default: a random one). Every request needs a token the simulator handed out. */
  token?: string;
  /** What each identity may do (default: the RBAC manifests the project ships, rbac.ts); edit it to take a permission away. */
  rbac?: RbacPolicy;
  /** Port to listen on (default: a free one). */
  port?: number;
}

export interface K8sSimulator extends SimulatorControls {
  url: string;
  /** A kubeconfig whose token authenticates `as` (default: the admin, allowed everything). */
  kubeConfig(as?: Identity): KubeConfig;
  writeKubeconfig(path: string, as?: Identity): void;
  /** The policy the simulator enforces; changes apply to the next request. */
  rbac: RbacPolicy;
  stop(): Promise<void>;
}

export async function startK8sSimulator(opts: K8sSimulatorOptions = {}): Promise<K8sSimulator> {
  const state: SimState = {
    store: new ObjectStore(opts.historyLimit ?? 1000),
    logs: new PodLogs(),
    metrics: new MetricsBoard(),
    watches: new Set(),
    requests: new RequestLog(),
    outage: undefined,
    bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 1000,
    identities: new Map([[opts.token ?? randomBytes(16).toString("hex"), ADMIN]]),
    rbac: opts.rbac ?? RbacPolicy.shipped(),
  };
  /** One token per identity, minted on first use. */
  const tokenOf = (identity: Identity): string => {
    for (const [token, known] of state.identities) if (known.user === identity.user) return token;
    const token = randomBytes(16).toString("hex");
    state.identities.set(token, identity);
    return token;
  };
  const sockets = new Set<Socket>();
  const server: Server = createServer(requestListener(state));
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
  const url = `http://127.0.0.1:${port}`;

  const kubeConfig = (as: Identity = ADMIN): KubeConfig => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: "oomwatch-sim", server: url, skipTLSVerify: true }],
      users: [{ name: "oomwatch-sim", token: tokenOf(as) }],
      contexts: [{ name: "oomwatch-sim", cluster: "oomwatch-sim", user: "oomwatch-sim" }],
      currentContext: "oomwatch-sim",
    });
    return kc;
  };

  return {
    ...simulatorControls(state),
    url,
    kubeConfig,
    rbac: state.rbac,
    writeKubeconfig(path, as) {
      mkdirSync(dirname(path), { recursive: true });
      // exportConfig() is JSON, which is valid YAML for every kubeconfig reader.
      writeFileSync(path, kubeConfig(as).exportConfig(), { mode: 0o600 });
    },
    async stop() {
      dropWatches(state);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
  };
}

export type { Change };
