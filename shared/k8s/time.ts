/**
 * Kubernetes timestamps arrive as strings (raw watch events) or Date objects
 * (typed list responses of client-node). Keys must not depend on which path an
 * object took, so every time goes through {@link toIso}.
 */

export function toIso(value: unknown): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const date = value instanceof Date ? value : new Date(String(value));
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

export function latestIso(values: unknown[]): string | undefined {
  let best: string | undefined;
  for (const v of values) {
    const iso = toIso(v);
    if (iso && (!best || iso > best)) best = iso;
  }
  return best;
}

/** Trims untrusted Kubernetes text to the schema's message limit. */
export function trimMessage(message: string | undefined, max = 4096): string | undefined {
  if (!message) return undefined;
  return message.length > max ? message.slice(0, max - 1) + "…" : message;
}
