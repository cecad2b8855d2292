/**
 * Label and field selectors with the API server's syntax:
 * labels `a=b,a==b,a!=b,a in (x,y),a notin (x),a,!a`; fields `path=value,path!=value`
 * where path is a dotted field path (`spec.nodeName`, `involvedObject.kind`).
 */
import type { KubeObject } from "./types.ts";

export type Matcher = (obj: KubeObject) => boolean;

export class SelectorError extends Error {}

/** Splits on commas that are not inside parentheses. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of selector) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      terms.push(current);
      current = "";
    } else current += ch;
  }
  terms.push(current);
  return terms.map((t) => t.trim()).filter((t) => t.length > 0);
}

const SET_TERM = /^([^\s!=()]+)\s+(in|notin)\s+\(([^)]*)\)$/;
const EQ_TERM = /^([^\s!=]+)\s*(==|=|!=)\s*(.*)$/;

function labelTerm(term: string): (labels: Record<string, string>) => boolean {
  const set = SET_TERM.exec(term);
  if (set) {
    const [, key = "", op, values = ""] = set;
    const allowed = new Set(values.split(",").map((v) => v.trim()));
    return op === "in"
      ? (labels) => labels[key] !== undefined && allowed.has(labels[key])
      : (labels) => labels[key] === undefined || !allowed.has(labels[key]);
  }
  const eq = EQ_TERM.exec(term);
  if (eq) {
    const [, key = "", op, value = ""] = eq;
    return op === "!=" ? (labels) => labels[key] !== value.trim() : (labels) => labels[key] === value.trim();
  }
  if (term.startsWith("!")) {
    const key = term.slice(1).trim();
    return (labels) => labels[key] === undefined;
  }
  if (/^[^\s!=()]+$/.test(term)) return (labels) => labels[term] !== undefined;
  throw new SelectorError(`unable to parse requirement: ${term}`);
}

export function labelMatcher(selector: string | null | undefined): Matcher {
  if (!selector) return () => true;
  const terms = splitTerms(selector).map(labelTerm);
  return (obj) => {
    const labels = obj.metadata?.labels ?? {};
    return terms.every((t) => t(labels));
  };
}

/** Value at a dotted path as a string ("" when absent, as the API server compares). */
export function fieldValue(obj: KubeObject, path: string): string {
  let value: unknown = obj;
  for (const part of path.split(".")) {
    if (value === null || typeof value !== "object") return "";
    value = (value as Record<string, unknown>)[part];
  }
  return value === undefined || value === null ? "" : String(value);
}

export function fieldMatcher(selector: string | null | undefined): Matcher {
  if (!selector) return () => true;
  const terms = splitTerms(selector).map((term) => {
    const eq = EQ_TERM.exec(term);
    if (!eq) throw new SelectorError(`invalid field selector: ${term}`);
    const [, path = "", op, value = ""] = eq;
    return op === "!="
      ? (obj: KubeObject) => fieldValue(obj, path) !== value
      : (obj: KubeObject) => fieldValue(obj, path) === value;
  });
  return (obj) => terms.every((t) => t(obj));
}

export function selectorMatcher(labelSelector?: string | null, fieldSelector?: string | null): Matcher {
  const labels = labelMatcher(labelSelector);
  const fields = fieldMatcher(fieldSelector);
  return (obj) => labels(obj) && fields(obj);
}
