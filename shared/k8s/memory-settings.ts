/**
 * Memory-relevant settings of a container, and nothing else: environment values
 * may be secrets, so only allow-listed variables are read, option strings are
 * reduced to their memory flags (a JAVA_OPTS can carry a trustStorePassword), and
 * values from references are recorded by source, never resolved. What the
 * captured settings mean (heap size, GOMEMLIMIT) is read by shared/domain/memory-settings.ts.
 */
import type { V1Container, V1EnvVar } from "@kubernetes/client-node";

/** Variables whose value is a list of runtime options: only memory flags are kept. */
const OPTION_VARS = new Set([
  "JAVA_OPTS",
  "JAVA_TOOL_OPTIONS",
  "JDK_JAVA_OPTIONS",
  "_JAVA_OPTIONS",
  "JVM_OPTS",
  "CATALINA_OPTS",
  "ES_JAVA_OPTS",
  "KAFKA_HEAP_OPTS",
  "NODE_OPTIONS",
]);

/** Variables with a scalar value (a size, a percentage, a count). */
const SCALAR_VARS = new Set([
  "GOMEMLIMIT",
  "GOGC",
  "GOMAXPROCS",
  "MALLOC_ARENA_MAX",
  "MALLOC_TRIM_THRESHOLD_",
  "MALLOC_MMAP_THRESHOLD_",
  "PYTHONMALLOC",
  "DOTNET_GCHeapHardLimit",
  "DOTNET_GCHeapHardLimitPercent",
  "DOTNET_gcServer",
  "UV_THREADPOOL_SIZE",
  "HEAP_SIZE",
  "MAX_HEAP_SIZE",
]);

const MEMORY_FLAG =
  /^(?:-Xm[xsn]\S+|-Xss\S+|-XX:[+-]?(?:MaxRAMPercentage|InitialRAMPercentage|MinRAMPercentage|MaxRAM|MaxMetaspaceSize|MetaspaceSize|CompressedClassSpaceSize|MaxDirectMemorySize|ReservedCodeCacheSize|MaxNewSize|NewSize|UseContainerSupport|ExitOnOutOfMemoryError|CrashOnOutOfMemoryError|HeapDumpOnOutOfMemoryError|NativeMemoryTracking|Use\w*GC)(?:=[\w.%]+)?|--max[-_]old[-_]space[-_]size=\d+|--max[-_]semi[-_]space[-_]size=\d+|--heapsnapshot-near-heap-limit=\d+)$/;

const SCALAR_VALUE = /^[\w.%+-]{1,32}$/;

/**
 * The env entries memorySettings() reads, option strings already reduced to their memory
 * flags: what a cache must keep of a container's env for memorySettings() to give the same result.
 */
export function memoryEnv(env: readonly V1EnvVar[] | undefined): V1EnvVar[] {
  const out: V1EnvVar[] = [];
  for (const e of env ?? []) {
    if (OPTION_VARS.has(e.name)) {
      const reduced: V1EnvVar = { name: e.name };
      if (e.valueFrom) reduced.valueFrom = e.valueFrom;
      else if (e.value !== undefined) reduced.value = memoryFlags(e.value).join(" ");
      out.push(reduced);
    } else if (SCALAR_VARS.has(e.name)) out.push(e);
  }
  return out;
}

/** Memory flags found in a whitespace-separated option string. */
export function memoryFlags(text: string | undefined): string[] {
  if (!text) return [];
  return text.split(/\s+/).filter((t) => t.length <= 100 && MEMORY_FLAG.test(t));
}

function referenceLabel(env: V1EnvVar): string | undefined {
  const from = env.valueFrom;
  if (!from) return undefined;
  if (from.secretKeyRef) return "<from secretKeyRef>";
  if (from.configMapKeyRef) return "<from configMapKeyRef>";
  if (from.resourceFieldRef) return `<from resourceFieldRef ${from.resourceFieldRef.resource}>`;
  if (from.fieldRef) return `<from fieldRef ${from.fieldRef.fieldPath}>`;
  return "<from reference>";
}

export function memorySettings(container: V1Container): Record<string, string> {
  const out: Record<string, string> = {};
  for (const env of container.env ?? []) {
    const isOption = OPTION_VARS.has(env.name);
    if (!isOption && !SCALAR_VARS.has(env.name)) continue;
    const ref = referenceLabel(env);
    if (ref) {
      out[env.name] = ref;
      continue;
    }
    if (isOption) {
      const flags = memoryFlags(env.value);
      if (flags.length) out[env.name] = flags.join(" ");
    } else if (env.value !== undefined && SCALAR_VALUE.test(env.value)) {
      out[env.name] = env.value;
    }
  }
  const argFlags = [...(container.command ?? []), ...(container.args ?? [])].flatMap((a) => memoryFlags(a));
  if (argFlags.length) out.args = argFlags.join(" ");
  return out;
}
