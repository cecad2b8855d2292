/** Errors in user-supplied files (scenarios, recordings) that point at a position: `file:line:column: problem`. */
export class SourceError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly detail: string,
  ) {
    super(`${file}:${line}:${column}: ${detail}`);
    this.name = "SourceError";
  }
}

/**
 * Every problem found in one file, in file order: a SourceError at the first (so a caller that
 * wants one position has it) whose message lists them all, one `file:line:column: problem` a line.
 */
export class SourceProblems extends SourceError {
  constructor(readonly problems: readonly SourceError[]) {
    const [first] = problems;
    if (!first) throw new Error("SourceProblems needs at least one problem");
    super(first.file, first.line, first.column, first.detail);
    this.message = problems.map((p) => p.message).join("\n");
    this.name = "SourceProblems";
  }
}

/** 1-based line and column of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
