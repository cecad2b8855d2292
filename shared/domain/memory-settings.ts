/**
 * Runtime memory settings found in a container's memory-relevant env/args
 * (ContainerSnapshot.memorySettings): JVM heap flags, Node's --max-old-space-size,
 * Go's GOMEMLIMIT. Values referencing Secrets/ConfigMaps (`<from ...>`) are unknown.
 * Which settings are captured, and how, is decided by shared/k8s/memory-settings.ts.
 */
import type { ContainerSnapshot } from "../schema/occurrence.ts";

export interface RuntimeMemory {
  runtime?: "jvm" | "node" | "go";
  /** -Xmx in bytes. */
  jvmXmxBytes?: number;
  /** -XX:MaxRAMPercentage. */
  jvmMaxRamPercentage?: number;
  /** --max-old-space-size in bytes (the flag is in MiB). */
  nodeMaxOldSpaceBytes?: number;
  /** GOMEMLIMIT in bytes; undefined for `off` or unset. */
  goMemLimitBytes?: number;
  /** The original text of each setting we interpreted, for evidence. */
  evidence: string[];
}

const JVM_KEYS = ["JAVA_OPTS", "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS"];
const JVM_UNITS: Record<string, number> = { "": 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };
const GO_UNITS: Record<string, number> = { B: 1, KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30, TiB: 2 ** 40 };

/** `-Xmx512m`, `-Xmx2G`, `-Xmx1073741824` -> bytes. Last flag wins, as in the JVM. */
export function parseXmx(text: string): number | undefined {
  let out: number | undefined;
  for (const m of text.matchAll(/-Xmx(\d+)([kKmMgGtT]?)\b/g)) {
    out = Number(m[1]) * (JVM_UNITS[(m[2] ?? "").toLowerCase()] ?? 1);
  }
  return out;
}

export function parseMaxRamPercentage(text: string): number | undefined {
  let out: number | undefined;
  for (const m of text.matchAll(/-XX:MaxRAMPercentage=(\d+(?:\.\d+)?)/g)) out = Number(m[1]);
  return out;
}

/** `--max-old-space-size=4096` (MiB) -> bytes. */
export function parseMaxOldSpace(text: string): number | undefined {
  let out: number | undefined;
  for (const m of text.matchAll(/--max[-_]old[-_]space[-_]size[= ](\d+)/g)) out = Number(m[1]) * 2 ** 20;
  return out;
}

/** GOMEMLIMIT syntax: a byte count with optional B/KiB/MiB/GiB/TiB suffix, or `off`. */
export function parseGoMemLimit(value: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)(B|KiB|MiB|GiB|TiB)?\s*$/.exec(value);
  if (!m) return undefined;
  return Math.round(Number(m[1]) * (GO_UNITS[m[2] ?? "B"] ?? 1));
}

export function runtimeMemory(container: Pick<ContainerSnapshot, "memorySettings" | "image"> | undefined): RuntimeMemory {
  const out: RuntimeMemory = { evidence: [] };
  if (!container) return out;
  for (const [key, value] of Object.entries(container.memorySettings)) {
    if (value.startsWith("<from")) continue;
    const xmx = parseXmx(value);
    const pct = parseMaxRamPercentage(value);
    const oldSpace = parseMaxOldSpace(value);
    if (JVM_KEYS.includes(key) || xmx !== undefined || pct !== undefined) {
      out.runtime = "jvm";
      if (xmx !== undefined) out.jvmXmxBytes = xmx;
      if (pct !== undefined) out.jvmMaxRamPercentage = pct;
      if (xmx !== undefined || pct !== undefined) out.evidence.push(`${key}=${value}`);
    }
    if (key === "NODE_OPTIONS" || oldSpace !== undefined) {
      out.runtime = "node";
      if (oldSpace !== undefined) {
        out.nodeMaxOldSpaceBytes = oldSpace;
        out.evidence.push(`${key}=${value}`);
      }
    }
    if (key === "GOMEMLIMIT" || key === "GOGC") {
      out.runtime = "go";
      if (key === "GOMEMLIMIT") {
        const limit = parseGoMemLimit(value);
        if (limit !== undefined) {
          out.goMemLimitBytes = limit;
          out.evidence.push(`${key}=${value}`);
        }
      }
    }
  }
  if (!out.runtime && container.image) {
    // No settings: guess from well-known base images so the advice names the right knob.
    const image = container.image.toLowerCase();
    if (/(openjdk|temurin|corretto|jre|jdk|java|zulu)/.test(image)) out.runtime = "jvm";
    else if (/(^|\/)node(:|$)|nodejs/.test(image)) out.runtime = "node";
    else if (/(^|\/)golang(:|$)|distroless\/static/.test(image)) out.runtime = "go";
  }
  return out;
}
