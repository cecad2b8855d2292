/** Exponential backoff with full jitter (AWS architecture blog): random in [0, min(cap, base * 2^attempt)]. */
export interface BackoffOptions {
  baseMs: number;
  capMs: number;
}

export function fullJitter(attempt: number, { baseMs, capMs }: BackoffOptions, random = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref?.());
