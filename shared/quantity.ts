/** Kubernetes resource quantities ("512Mi", "1G", "250m", "1e3") to numbers. */

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

const QUANTITY = /^([+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|K|M|G|T|P|E)?$/;

/** Parses a quantity; returns undefined for anything that is not one. */
export function parseQuantity(value: string | number | undefined | null): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  const match = QUANTITY.exec(value.trim());
  if (!match) return undefined;
  const [, num, suffix = ""] = match;
  const factor = BINARY[suffix] ?? DECIMAL[suffix];
  if (factor === undefined) return undefined;
  return Number(num) * factor;
}

/** Memory in bytes, rounded (memory quantities are whole bytes). */
export function parseBytes(value: string | number | undefined | null): number | undefined {
  const n = parseQuantity(value);
  return n === undefined ? undefined : Math.round(n);
}

/** Human form used in messages and recommendations: 1536Mi, 2Gi, 900Ki. */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return "unknown";
  const abs = Math.abs(bytes);
  if (abs >= 2 ** 30 && bytes % 2 ** 30 === 0) return `${bytes / 2 ** 30}Gi`;
  if (abs >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2).replace(/\.?0+$/, "")}Gi`;
  if (abs >= 2 ** 20) return `${Math.round(bytes / 2 ** 20)}Mi`;
  if (abs >= 2 ** 10) return `${Math.round(bytes / 2 ** 10)}Ki`;
  return `${bytes}`;
}

/** Rounds bytes up to a whole Mi, the granularity recommendations are given in. */
export function roundUpToMi(bytes: number): number {
  return Math.ceil(bytes / 2 ** 20) * 2 ** 20;
}
