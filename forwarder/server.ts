/** Health, readiness and Prometheus metrics over plain node:http. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

export interface OpsServerOptions {
  port: number;
  host?: string;
  registry: Registry;
  /** Liveness: false only when the process should be restarted. */
  healthy(): boolean;
  /** Readiness: undefined when ready (caches synced and not refused; non-leaders are ready too, as warm standbys), else why not. */
  notReadyReason(): string | undefined;
}

export function startOpsServer(opts: OpsServerOptions): Promise<OpsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const probe = (ok: boolean, reason?: string) => {
      res.writeHead(ok ? 200 : 503, { "Content-Type": "text/plain" });
      res.end(ok ? "ok\n" : `not ok${reason ? `: ${reason}` : ""}\n`);
    };
    if (path === "/healthz") return probe(opts.healthy());
    if (path === "/readyz") {
      const reason = opts.notReadyReason();
      return probe(reason === undefined, reason);
    }
    if (path === "/metrics") {
      opts.registry
        .metrics()
        .then((body) => {
          res.writeHead(200, { "Content-Type": opts.registry.contentType });
          res.end(body);
        })
        .catch(() => {
          res.writeHead(500);
          res.end();
        });
      return;
    }
    res.writeHead(404);
    res.end();
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host ?? "0.0.0.0", () => {
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections?.();
            server.close(() => done());
          }),
      });
    });
  });
}
