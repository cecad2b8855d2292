/** Kubernetes API simulator: server, object factories, scenarios and recordings. */
export * from "./server.ts";
export * as factories from "./factories.ts";
export type * from "./types.ts";
export { uidFor, nowIso } from "./store.ts";
