/**
 * Structured JSON logging. The forwarder only needs this small interface, which
 * Powertools' Logger satisfies; tests pass a silent or collecting logger.
 */
import { Logger as PowertoolsLogger } from "@aws-lambda-powertools/logger";

export interface Logger {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

type Level = "DEBUG" | "INFO" | "WARN" | "ERROR" | "SILENT";

export function createLogger(level: Level = "INFO", identity?: string): Logger {
  const pt = new PowertoolsLogger({
    serviceName: "oomwatch-forwarder",
    logLevel: level,
    ...(identity ? { persistentKeys: { identity } } : {}),
  });
  const at =
    (fn: "debug" | "info" | "warn" | "error") =>
    (message: string, extra?: Record<string, unknown>) =>
      extra ? pt[fn](message, extra) : pt[fn](message);
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
