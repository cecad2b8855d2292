/**
 * The local Slack view: a loopback web server that shows the Slack sink's workspace as Slack's web
 * client would (sidebar, channel, thread pane, permalinks `/archives/C…/p…`), live while the
 * sandbox runs (server-sent events on every change), or from a stopped sandbox's data dir
 * (`oomwatch slack-view`), where it follows the state file the sink rewrites on every change.
 */
import { existsSync, readFileSync, unwatchFile, watchFile } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SinkFiles } from "../slack-sink/files.ts";
import { sinkDataPaths, type SinkFile, type SlackSink, type WorkspaceState } from "../slack-sink.ts";
import { parseRoute, renderApp, renderPage } from "./page.ts";

/** Fixed by default so permalinks stored in incidents keep working in a later `oomwatch slack-view`. */
export const DEFAULT_VIEW_PORT = 4410;

export interface ViewSource {
  snapshot(): WorkspaceState;
  file(id: string): { file: SinkFile; bytes: Buffer } | undefined;
  /** Calls `onChange` after every change of the workspace; returns the unsubscribe function. */
  subscribe(onChange: () => void): () => void;
}

export function sinkSource(sink: SlackSink): ViewSource {
  return { snapshot: () => sink.snapshot(), file: (id) => sink.file(id), subscribe: (fn) => sink.subscribe(() => fn()) };
}

/** A stopped (or running) sandbox's data dir: the workspace file and the uploaded files. */
export function dataDirSource(dataDir: string): ViewSource {
  const { stateFile, filesDir } = sinkDataPaths(dataDir);
  if (!existsSync(stateFile)) throw new Error(`no Slack workspace in ${dataDir} (expected ${stateFile}; run oomwatch sandbox --data-dir ${dataDir} first)`);
  const files = new SinkFiles(filesDir);
  const read = (): WorkspaceState => JSON.parse(readFileSync(stateFile, "utf8")) as WorkspaceState;
  return {
    snapshot: read,
    file(id) {
      const file = read()
        .messages.flatMap((m) => m.files ?? [])
        .find((f) => f.id === id);
      const bytes = file && files.read(id);
      return file && bytes ? { file, bytes } : undefined;
    },
    subscribe(fn) {
      // The sink replaces the file by rename on each change; polling its stat sees every replacement.
      const listener = () => fn();
      watchFile(stateFile, { interval: 500 }, listener);
      return () => unwatchFile(stateFile, listener);
    },
  };
}

export interface SlackView {
  /** Base URL, ending in `/`. */
  url: string;
  /** True when the default port was taken and a free one was used instead. */
  portFallback: boolean;
  stop(): Promise<void>;
}

export interface SlackViewOptions {
  source: ViewSource;
  /** Default DEFAULT_VIEW_PORT; 0 for any free port. A taken port falls back to a free one. */
  port?: number;
}

const STATIC_DIR = fileURLToPath(new URL("./static/", import.meta.url));
const STATIC: Record<string, string> = { "view.css": "text/css; charset=utf-8", "view.js": "text/javascript; charset=utf-8" };
// Message text comes from the cluster: even if escaping missed something, no script but the view's own runs.
const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "cache-control": "no-store",
  "content-security-policy": "default-src 'self'; img-src 'self' https: data:; script-src 'self'; style-src 'self'; connect-src 'self'; frame-ancestors 'none'",
};

export async function startSlackView(opts: SlackViewOptions): Promise<SlackView> {
  const { source } = opts;
  const streams = new Set<ServerResponse>();
  let version = 0;
  const unsubscribe = source.subscribe(() => {
    version += 1;
    for (const s of streams) s.write(`data: ${version}\n\n`);
  });

  function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
    res.writeHead(status, { "content-type": type, ...SECURITY_HEADERS });
    res.end(body);
  }

  function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://view");
    if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "text/plain", "method not allowed");
    if (url.pathname === "/events") {
      res.writeHead(200, { "content-type": "text/event-stream", ...SECURITY_HEADERS, connection: "keep-alive" });
      res.write(`retry: 1000\ndata: ${version}\n\n`);
      streams.add(res);
      req.on("close", () => streams.delete(res));
      return;
    }
    // Browsers ask for it on their own; no icon is not an error.
    if (url.pathname === "/favicon.ico") {
      res.writeHead(204, SECURITY_HEADERS);
      res.end();
      return;
    }
    const asset = /^\/static\/([a-z.]+)$/.exec(url.pathname)?.[1];
    if (asset && STATIC[asset]) return send(res, 200, STATIC[asset], readFileSync(join(STATIC_DIR, asset)));
    const file = /^\/files\/(F[A-Z0-9]+)(?:\/[^/]*)?$/.exec(url.pathname)?.[1];
    if (file) {
      const found = source.file(file);
      if (!found) return send(res, 404, "text/plain", "file not found");
      // SVG could carry script: served as a download-only type unless it is a raster image.
      const type = /^image\/(png|jpeg|gif)$/.test(found.file.mimetype) ? found.file.mimetype : "application/octet-stream";
      return send(res, 200, type, found.bytes);
    }
    const route = parseRoute(url);
    if (!route) return send(res, 404, "text/plain", "not found");
    const state = source.snapshot();
    // The page script asks for the fragment only, to swap it in place on every change.
    if (url.searchParams.get("fragment") === "1") return send(res, 200, "text/html; charset=utf-8", renderApp(state, route));
    return send(res, 200, "text/html; charset=utf-8", renderPage(state, route, true));
  }

  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch (err) {
      if (!res.headersSent) send(res, 500, "text/plain", `view error: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  const wanted = opts.port ?? DEFAULT_VIEW_PORT;
  let port: number;
  let portFallback = false;
  try {
    port = await listen(wanted);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE" || wanted === 0) throw err;
    port = await listen(0);
    portFallback = true;
  }
  return {
    url: `http://127.0.0.1:${port}/`,
    portFallback,
    stop: () =>
      new Promise<void>((resolve) => {
        unsubscribe();
        for (const s of streams) s.end();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
