/**
 * What is wrong with a scenario file, in sentences: the zod error customization the scenario
 * schema is parsed with ("name is required", "containers must have at least 1 item",
 * "unknown field 'limts' (did you mean 'limits'?)"), and the problems of a failed parse, one
 * per mistake, each with the path of the node to point at. scenario.ts turns those into
 * `file:line:column: problem` lines.
 */
import type * as z from "zod";

export type Path = readonly PropertyKey[];

/** One mistake: where (the node at `path`, or the unknown key `key` in it) and what. */
export interface Problem {
  path: Path;
  /** An unknown key: the position is the key itself, not its parent. */
  key?: string;
  message: string;
}

/** `steps[0].oomKill.pod` */
export function describePath(path: Path): string {
  return path.reduce<string>((s, p) => (typeof p === "number" ? `${s}[${p}]` : s ? `${s}.${String(p)}` : String(p)), "");
}

/** The field a sentence is about: the last key with its indices (`containers`, `nodes[0]`), or the whole file. */
function subjectOf(path: Path | undefined): string {
  const p = path ?? [];
  let i = p.length;
  while (i > 0 && typeof p[i - 1] === "number") i--;
  if (p.length === 0) return "the scenario";
  return describePath(p.slice(Math.max(0, i - 1)));
}

const TYPE_NAMES: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  object: "a mapping (key: value)",
  record: "a mapping (key: value)",
  array: "a list",
};

const typeName = (expected: string) => TYPE_NAMES[expected] ?? `a ${expected}`;

/** A value as a sentence names it: `the number 5`, `the text "abc"`, `a list`. */
function describeValue(value: unknown): string {
  if (value === null) return "an empty value";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") return `the text ${JSON.stringify(value)}`;
  if (typeof value === "number") return `the number ${value}`;
  if (typeof value === "boolean") return String(value);
  if (typeof value === "object") return "a mapping";
  return String(value);
}

const plural = (n: number | bigint, word: string) => `${n} ${word}${n === 1 || n === 1n ? "" : "s"}`;

/** Edit distance with adjacent transpositions (`contianer` is one step from `container`). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The known name closest to a mistyped one, when it is close enough to be a typo. */
export function closestName(word: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(word.length / 3)) + 1;
  for (const name of known) {
    const dist = distance(word.toLowerCase(), name.toLowerCase());
    if (dist < bestDistance) [best, bestDistance] = [name, dist];
  }
  return best;
}

/** The keys a strict object (or a record with enumerated keys) allows. */
function knownKeys(inst: unknown): string[] {
  const def = (inst as { _zod?: { def?: { shape?: object; keyType?: { _zod?: { def?: { entries?: object } } } } } } | undefined)?._zod?.def;
  if (def?.shape) return Object.keys(def.shape);
  return Object.keys(def?.keyType?._zod?.def?.entries ?? {});
}

function unknownKeys(keys: readonly string[], inst: unknown): string {
  const known = knownKeys(inst);
  // One line per key: problemsOf gives each its own problem (and position).
  return keys
    .map((key) => {
      const near = closestName(key, known);
      return `unknown field '${key}'${near ? ` (did you mean '${near}'?)` : ""}`;
    })
    .join("\n");
}

function tooSmall(subject: string, iss: { origin: string; minimum: number | bigint; inclusive?: boolean }): string {
  const min = iss.minimum;
  if (iss.origin === "array" || iss.origin === "set") return `${subject} must have at least ${plural(iss.inclusive === false ? Number(min) + 1 : min, "item")}`;
  if (iss.origin === "string") return Number(min) <= 1 ? `${subject} must not be empty` : `${subject} must be at least ${plural(min, "character")} long`;
  return iss.inclusive === false ? `${subject} must be greater than ${min}` : `${subject} must be at least ${min}`;
}

function tooBig(subject: string, iss: { origin: string; maximum: number | bigint; inclusive?: boolean }): string {
  const max = iss.maximum;
  if (iss.origin === "array" || iss.origin === "set") return `${subject} must have at most ${plural(iss.inclusive === false ? Number(max) - 1 : max, "item")}`;
  if (iss.origin === "string") return `${subject} must be at most ${plural(max, "character")} long`;
  return iss.inclusive === false ? `${subject} must be less than ${max}` : `${subject} must be at most ${max}`;
}

/**
 * A union no form of which matched: when each form wanted another type, the types; else the
 * problem of the form that got furthest (fewest problems), e.g. a `secretKeyRef` without its key.
 */
function noForm(subject: string, input: unknown, errors: readonly (readonly z.core.$ZodIssue[])[]): string {
  const typeOnly = errors.every((branch) => branch.length === 1 && branch[0]?.code === "invalid_type" && branch[0].path.length === 0);
  if (typeOnly) {
    const expected = errors.map((b) => typeName(String((b[0] as z.core.$ZodIssueInvalidType).expected)));
    return `${subject} must be ${[...new Set(expected)].join(" or ")}, not ${describeValue(input)}`;
  }
  const closest = [...errors].filter((b) => !(b.length === 1 && b[0]?.code === "invalid_type" && b[0].path.length === 0)).sort((a, b) => a.length - b.length)[0];
  const first = closest?.[0];
  if (!first) return `${subject} matches none of its allowed forms`;
  return first.path.length > 1 ? `${describePath(first.path.slice(0, -1))}: ${first.message}` : first.message;
}

/**
 * The scenario schema's messages, passed to `safeParse(data, { error })`: a message the schema
 * sets itself (custom checks, `.min(1, "...")`) still wins; zod's defaults become sentences
 * about the field.
 */
export const scenarioErrorMap: z.core.$ZodErrorMap = (iss) => {
  const subject = subjectOf(iss.path);
  switch (iss.code) {
    case "invalid_type":
      if (iss.input === undefined) return `${subject} is required`;
      return `${subject} must be ${typeName(iss.expected)}, not ${describeValue(iss.input)}`;
    case "too_small":
      return tooSmall(subject, iss);
    case "too_big":
      return tooBig(subject, iss);
    case "invalid_value": {
      const allowed = iss.values.map((v) => JSON.stringify(v));
      const near = typeof iss.input === "string" ? closestName(iss.input, iss.values.map(String)) : undefined;
      return `${subject} must be ${allowed.length === 1 ? allowed[0] : `one of ${allowed.join(", ")}`}, not ${describeValue(iss.input)}${near ? ` (did you mean "${near}"?)` : ""}`;
    }
    case "unrecognized_keys":
      return unknownKeys(iss.keys, iss.inst);
    case "invalid_union":
      return noForm(subject, iss.input, iss.errors);
    case "invalid_format":
      return `${subject} ${describeValue(iss.input)} is not in the expected form${iss.pattern ? ` (${iss.pattern})` : ""}`;
    default:
      return undefined;
  }
};

/** One problem per mistake: an object with two unknown keys is two problems, each at its key. */
export function problemsOf(issues: readonly z.core.$ZodIssue[]): Problem[] {
  return issues.flatMap((issue): Problem[] => {
    if (issue.code !== "unrecognized_keys") return [{ path: issue.path, message: issue.message }];
    const lines = issue.message.split("\n");
    return issue.keys.map((key, i) => ({ path: issue.path, key, message: lines[i] ?? issue.message }));
  });
}
