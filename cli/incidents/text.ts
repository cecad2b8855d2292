/**
 * Terminal text helpers for `oomwatch incidents`: untrusted text made safe to
 * print, aligned tables that fit a width, unicode bars, compact times.
 */

// C0/C1 control characters (ANSI escapes start with ESC) and bidi overrides.
const CONTROL = /[\p{Cc}\u202a-\u202e\u2066-\u2069]/gu;

/** One line of untrusted text (pod names, Kubernetes messages): no escapes, no line breaks. */
export function clean(text: string | undefined): string {
  if (text === undefined) return "";
  return text.replace(/\s*[\r\n]+\s*/g, " ").replace(/\t/g, " ").replace(CONTROL, "?");
}

/** Cuts to `width` columns with an ellipsis. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return "";
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

export interface TableOptions {
  /** Total width the table must fit in. */
  width: number;
  /** Column that shrinks (with an ellipsis) when the table is too wide. */
  flexColumn: number;
  /** Columns aligned right (numbers). */
  right?: number[];
}

/** Aligned columns separated by two spaces; cells must already be clean. */
export function renderTable(headers: string[], rows: string[][], options: TableOptions): string {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? "").length)));
  const total = widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1);
  const flex = options.flexColumn;
  if (total > options.width) {
    widths[flex] = Math.max(headers[flex]!.length, widths[flex]! - (total - options.width));
  }
  const right = new Set(options.right ?? []);
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => {
        const text = truncate(cell, widths[c]!);
        return right.has(c) ? text.padStart(widths[c]!) : text.padEnd(widths[c]!);
      })
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n");
}

const EIGHTHS = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];

/** A horizontal bar of `value / max` of `width` cells, in eighth-cell steps. */
export function bar(value: number, max: number, width: number): string {
  if (max <= 0 || value <= 0) return "";
  const eighths = Math.max(1, Math.round((value / max) * width * 8));
  return "█".repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8];
}

/** `2024-05-01 13:04` (UTC), compact for tables. */
export function shortTime(iso: string): string {
  return new Date(iso).toISOString().slice(0, 16).replace("T", " ");
}

/** `2024-05-01 13:04:05 UTC`, for detail views. */
export function longTime(iso: string): string {
  return `${new Date(iso).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}
