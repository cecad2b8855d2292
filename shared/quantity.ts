/** Kubernetes resource quantities ("512Mi", "1G", "250m", "1e3") to numbers, and what is wrong with one that is not. */

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/**
 * The grammar of k8s.io/apimachinery's resource.Quantity: a signed decimal number (`5`, `1.5`, `.5`,
 * `5.`), then nothing, a binary SI suffix, a decimal SI suffix or a decimal exponent (`1e3`, `1E-3`).
 * `E` alone is exa; `E3` is an exponent. `K` is not a suffix (kilo is `k`).
 */
const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

/** Parses a quantity; returns undefined for anything that is not one. */
export function parseQuantity(value: string | number | undefined | null): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  const match = QUANTITY.exec(value.trim());
  if (!match) return undefined;
  const [, num, suffix = ""] = match;
  const factor = BINARY[suffix] ?? DECIMAL[suffix] ?? 10 ** Number(suffix.slice(1));
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

// ---------------------------------------------------------------- validation with a fix

export type QuantityKind = "memory" | "cpu";

/** Powers of the SI prefixes people write for bytes: kilo is 10^3 or 2^10, mega 10^6 or 2^20, ... */
const PREFIX_POWER: Record<string, number> = { k: 1, m: 2, g: 3, t: 4, p: 5, e: 6 };

/** `256M (10^6 bytes) or 256Mi (2^20 bytes)` for a number and a prefix letter (`m` from `256mb`). */
function byteUnits(num: string, letter: string, binaryOnly = false): string {
  const power = PREFIX_POWER[letter.toLowerCase()] ?? 0;
  const binary = `${num}${letter.toUpperCase()}i (2^${10 * power} bytes)`;
  if (binaryOnly) return binary;
  const decimal = letter.toLowerCase() === "k" ? "k" : letter.toUpperCase();
  return `${num}${decimal} (10^${3 * power} bytes) or ${binary}`;
}

/** The likely meant quantity of a wrong one (`use 256M ... or 256Mi ...`), else what a quantity looks like. */
function quantityFix(text: string, kind: QuantityKind): string {
  const compact = text.replace(/\s+/g, "");
  if (compact !== text.trim() && QUANTITY.test(compact)) return `use ${compact} (no spaces)`;
  const parts = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))([A-Za-z]+)$/.exec(compact);
  if (parts) {
    const [, num = "", unit = ""] = parts;
    const lower = unit.toLowerCase();
    if (kind === "memory") {
      if (/^(b|bytes?)$/.test(lower)) return `use ${num} (a number of bytes needs no unit)`;
      const prefix = /^([kmgtpe])(i)?(b|bytes?)?$/.exec(lower);
      if (prefix) return `use ${byteUnits(num, prefix[1] ?? "", prefix[2] !== undefined)}`;
    } else {
      if (/^(cores?|cpus?|vcpus?)$/.test(lower)) return `use ${num} (a number of CPUs needs no unit)`;
      if (/^(mc|millis?|millicores?|millicpus?)$/.test(lower)) return `use ${num}m (millicores)`;
    }
  }
  return kind === "memory"
    ? "use a number of bytes with an optional suffix, e.g. 256Mi (2^20 bytes), 1G (10^9 bytes) or 1e9"
    : "use a number of CPUs or millicores, e.g. 2, 0.5 or 500m";
}

/**
 * What is wrong with `text` as a Kubernetes quantity of `kind`, as the rest of a sentence about it
 * (`is not a Kubernetes quantity: use 256M (10^6 bytes) or 256Mi (2^20 bytes)`); undefined when
 * nothing is. Besides the grammar: no negative amounts, and memory in whole bytes (`512m` is
 * 0.512 bytes, the kubelet warns about it; the author meant 512M or 512Mi).
 */
export function quantityProblem(text: string, kind: QuantityKind): string | undefined {
  const value = parseQuantity(text);
  if (value === undefined) return `is not a Kubernetes quantity: ${quantityFix(text, kind)}`;
  if (value < 0) return "must not be negative";
  // Quantities are exact decimals; a float's last-digit noise (1.1M) is not a fraction.
  if (kind === "memory" && Math.abs(value - Math.round(value)) > 1e-9 * Math.max(1, value)) {
    const milli = /^(\d+)m$/.exec(text.trim());
    return `is not a whole number of bytes${milli ? ` (m is milli, 10^-3): use ${byteUnits(milli[1] ?? "", "m")}` : ""}`;
  }
  return undefined;
}
