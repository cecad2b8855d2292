/** Checking a run's figures against a scenario's `expect:` section. */
import type { Expect, Expectation } from "./scenario-schema.ts";

export function matchesExpectation(actual: number, expected: Expectation): boolean {
  if (typeof expected === "number") return actual === expected;
  return (expected.min === undefined || actual >= expected.min) && (expected.max === undefined || actual <= expected.max);
}

function describe(expected: Expectation): string {
  if (typeof expected === "number") return String(expected);
  return [expected.min !== undefined ? `>= ${expected.min}` : "", expected.max !== undefined ? `<= ${expected.max}` : ""].filter(Boolean).join(" and ") || "any";
}

/** Figures of a run, as the sandbox report has them (missing counts are 0). */
export interface RunFigures {
  observed?: Partial<Record<string, number>>;
  incidents?: Partial<Record<string, number>>;
  deadLetters?: number | Partial<Record<string, number>>;
}

/** Every mismatch as a readable line; empty when the run met the expectations. */
export function checkExpect(expect: Expect | undefined, run: RunFigures): string[] {
  if (!expect) return [];
  const problems: string[] = [];
  const check = (label: string, actual: number, expected: Expectation | undefined) => {
    if (expected !== undefined && !matchesExpectation(actual, expected)) problems.push(`${label}: expected ${describe(expected)}, got ${actual}`);
  };
  for (const [kind, expected] of Object.entries(expect.observed ?? {})) check(`observed ${kind}`, run.observed?.[kind] ?? 0, expected);
  for (const [level, expected] of Object.entries(expect.incidents ?? {})) check(`incidents level ${level}`, run.incidents?.[level] ?? 0, expected);
  const dead = typeof run.deadLetters === "number" ? run.deadLetters : Object.values(run.deadLetters ?? {}).reduce<number>((a, b) => a + (b ?? 0), 0);
  check("dead letters", dead, expect.deadLetters);
  return problems;
}
