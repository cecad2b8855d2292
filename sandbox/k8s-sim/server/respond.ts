/** Kubernetes-style JSON responses and request bodies. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { ApiError } from "../store.ts";

function status(code: number, reason: string, message: string, details?: Record<string, string>) {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, ...(details ? { details } : {}), code };
}

export function sendJson(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}

export function sendError(res: ServerResponse, err: ApiError): void {
  sendJson(res, err.code, status(err.code, err.reason, err.message, err.details));
}

export async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, "BadRequest", "request body is not valid JSON");
  }
}
