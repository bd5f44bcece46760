// Structured JSON logs (pino) and the per-request logger (pino-http) carrying a correlation id.
// A request keeps the caller's X-Request-Id (or X-Correlation-Id) when it is a sane token, else gets a
// fresh UUID; the id is echoed in the X-Request-Id response header, logged with every line of the
// request (`reqId`), and quoted in 500 responses (DESIGN.md convention 8). A line written inside an
// exchange (context.ts) also carries its `traceId` and `exchangeId` (issue 7), by the logger's mixin.
import type { IncomingMessage, ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";
import { pino, type DestinationStream, type Logger } from "pino";
import { pinoHttp, type HttpLogger } from "pino-http";
import { currentExchangeContext } from "./context";

export type { Logger } from "pino";

export const REQUEST_ID_HEADER = "x-request-id";
const CORRELATION_HEADERS = [REQUEST_ID_HEADER, "x-correlation-id"] as const;
const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Never written to the logs: credentials and session material. */
const REDACTED_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  "req.headers['proxy-authorization']",
  'res.headers["set-cookie"]',
  "password",
  "*.password",
  "privateKey",
  "*.privateKey",
];

export interface LoggerOptions {
  /** pino level name: fatal, error, warn, info, debug, trace, silent. */
  level: string;
  /** Added to every line as `name`. */
  name?: string;
  /** Where lines go (default stdout); tests pass a stream to read them back. */
  destination?: DestinationStream;
}

/** What the mixin answers outside an exchange: shared, never written to (see exchangeMixinMerge). */
const NO_EXCHANGE: object = Object.freeze({});

/** The exchange of the running code as log fields: one small object per line inside an exchange, none outside. */
function exchangeMixin(): object {
  const c = currentExchangeContext();
  if (c === undefined) return NO_EXCHANGE;
  return c.exchangeId === undefined ? { traceId: c.traceId } : { traceId: c.traceId, exchangeId: c.exchangeId };
}

/** The line's own fields win over the context's; outside an exchange the line's object is kept as is. */
function exchangeMixinMerge(line: object, mixin: object): object {
  return mixin === NO_EXCHANGE ? line : Object.assign(mixin, line);
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      ...(options.name ? { name: options.name } : {}),
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
      mixin: exchangeMixin,
      mixinMergeStrategy: exchangeMixinMerge,
    },
    options.destination,
  );
}

/** A logger that writes nothing (tests, library defaults). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}

/** The correlation id of a request handled behind `httpLogger` (undefined before it ran). */
export function requestIdOf(req: IncomingMessage): string | undefined {
  const id = (req as IncomingMessage & { id?: unknown }).id;
  return typeof id === "string" ? id : undefined;
}

/**
 * Express/Node middleware: assigns the correlation id and logs one line per completed request.
 * `quietPaths` (e.g. probes such as /healthz) get an id but no completion line.
 */
export function httpLogger(logger: Logger, options: { quietPaths?: readonly string[] } = {}): HttpLogger {
  const quiet = new Set(options.quietPaths ?? []);
  return pinoHttp({
    logger,
    autoLogging: quiet.size === 0 ? true : { ignore: (req) => quiet.has((req.url ?? "").split("?")[0] ?? "") },
    genReqId(req: IncomingMessage, res: ServerResponse) {
      const id = incomingId(req) ?? randomUUID();
      res.setHeader(REQUEST_ID_HEADER, id);
      return id;
    },
    // Lines logged inside a handler (req.log) carry only `reqId`; the completion line has req + res.
    quietReqLogger: true,
    customLogLevel(_req, res, err) {
      if (err || res.statusCode >= 500) return "error";
      if (res.statusCode >= 400) return "warn";
      return "info";
    },
    serializers: {
      req: (req: { id: unknown; method: string; url: string; remoteAddress?: string }) => ({
        id: req.id,
        method: req.method,
        url: req.url,
        remoteAddress: req.remoteAddress,
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  });
}

function incomingId(req: IncomingMessage): string | undefined {
  for (const header of CORRELATION_HEADERS) {
    const value = req.headers[header];
    if (typeof value === "string" && SANE_ID.test(value)) return value;
  }
  return undefined;
}
