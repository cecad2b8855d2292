/** Names in scenarios: numbered copies of a deployment and `*` patterns over pod, workload and node names. */

export function copyName(name: string, i: number): string {
  return `${name}-${String(i).padStart(2, "0")}`;
}

export function matchNames(pattern: string, names: string[]): string[] {
  if (!pattern.includes("*")) return names.includes(pattern) ? [pattern] : [];
  const re = globToRegExp(pattern);
  return names.filter((n) => re.test(n));
}

function globToRegExp(pattern: string): RegExp {
  return new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
}

