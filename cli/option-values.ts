/**
 * Option values commander parses (`.option(flags, description, parser)`): a bad one throws
 * InvalidArgumentError, so it is a usage error like any other (one line, help pointer, exit 2).
 */
import { InvalidArgumentError } from "commander";

/** A TCP port; 0 lets the system pick a free one. */
export function parsePort(text: string): number {
  const port = Number(text);
  if (!(text.trim() !== "" && Number.isInteger(port) && port >= 0 && port < 65536)) throw new InvalidArgumentError("expected a port number from 0 to 65535");
  return port;
}

export function parsePositiveNumber(text: string): number {
  const n = Number(text);
  if (!(text.trim() !== "" && n > 0 && Number.isFinite(n))) throw new InvalidArgumentError("expected a positive number");
  return n;
}
