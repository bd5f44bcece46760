// HTTP edge of PasserelleError: RFC 9457 problem details (application/problem+json). The stable code
// travels as `code`; a 500 says nothing of the cause and carries the request's correlation id
// (DESIGN.md convention 8), while the log line keeps the stack for the operator.
import type { ErrorRequestHandler, RequestHandler } from "express";
import { STATUS_CODES } from "node:http";
import { ErrorCode, PasserelleError, isPasserelleError } from "../shared/errors";
import { requestIdOf } from "../shared/logger";

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  correlationId?: string;
  location?: string;
}

export const PROBLEM_CONTENT_TYPE = "application/problem+json";
const PROBLEM_TYPE_BASE = "urn:passerelle:problem:";

const statusByCode = new Map<string, number>([
  [ErrorCode.InputInvalid, 400],
  [ErrorCode.MatriculeInvalid, 400],
  [ErrorCode.AlgorithmRefused, 400],
  [ErrorCode.SignatureInvalid, 400],
  [ErrorCode.SignerUntrusted, 403],
  [ErrorCode.NotFound, 404],
  [ErrorCode.PatientNotFound, 404],
  [ErrorCode.PsNotFound, 404],
  [ErrorCode.EpNotFound, 404],
  [ErrorCode.Conflict, 409],
  [ErrorCode.PatientMultipleMatches, 409],
  [ErrorCode.EpAlreadyDispensed, 409],
  [ErrorCode.InputTooLarge, 413],
  [ErrorCode.DocumentInvalid, 422],
  [ErrorCode.DispensationInvalid, 422],
  [ErrorCode.PsMissingMapping, 422],
  [ErrorCode.EpMissingMapping, 422],
  [ErrorCode.EdMissingMapping, 422],
  [ErrorCode.ConfigInvalid, 500],
  [ErrorCode.Internal, 500],
]);

/** Lets a domain give its own error codes an HTTP status (default for unknown codes: 400). */
export function registerProblemStatus(code: string, status: number): void {
  if (!Number.isInteger(status) || status < 400 || status > 599) throw new Error(`problem status must be 4xx or 5xx, got ${status}`);
  statusByCode.set(code, status);
}

export function httpStatusOf(code: string): number {
  return statusByCode.get(code) ?? 400;
}

/** Errors thrown by express' body parsers carry a `type` and a `status`. */
function fromBodyParser(err: unknown): PasserelleError | undefined {
  const e = err as { type?: unknown; status?: unknown; message?: unknown };
  if (typeof e?.type !== "string" || typeof e.status !== "number") return undefined;
  if (e.type === "entity.too.large") return new PasserelleError(ErrorCode.InputTooLarge, "request body too large");
  if (e.status >= 400 && e.status < 500) return new PasserelleError(ErrorCode.InputInvalid, `request body rejected: ${String(e.message)}`);
  return undefined;
}

export function problemOf(err: unknown, instance?: string, correlationId?: string): ProblemDetails {
  const known = isPasserelleError(err) ? err : fromBodyParser(err);
  const status = known ? httpStatusOf(known.code) : 500;
  if (!known || status >= 500) {
    return {
      type: `${PROBLEM_TYPE_BASE}${ErrorCode.Internal}`,
      title: "Internal error",
      status: 500,
      code: known?.code === ErrorCode.ConfigInvalid ? ErrorCode.ConfigInvalid : ErrorCode.Internal,
      detail: correlationId ? `internal error; quote correlation id ${correlationId} to the operator` : "internal error",
      ...(instance ? { instance } : {}),
      ...(correlationId ? { correlationId } : {}),
    };
  }
  const location = typeof known.details.location === "string" ? known.details.location : undefined;
  return {
    type: `${PROBLEM_TYPE_BASE}${known.code}`,
    title: STATUS_CODES[status] ?? "Error",
    status,
    code: known.code,
    detail: known.message,
    ...(instance ? { instance } : {}),
    ...(correlationId ? { correlationId } : {}),
    ...(location ? { location } : {}),
  };
}

/** Last middleware of every app: any thrown error becomes a problem response. */
export const problemHandler: ErrorRequestHandler = (err, req, res, next) => {
  if (res.headersSent) {
    next(err);
    return;
  }
  const problem = problemOf(err, req.originalUrl, requestIdOf(req));
  if (problem.status >= 500) req.log?.error({ err }, "request failed");
  else req.log?.warn({ code: problem.code, detail: problem.detail }, "request refused");
  res.status(problem.status).type(PROBLEM_CONTENT_TYPE).json(problem);
};

/** Unmatched routes: a 404 problem (no express HTML page). */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new PasserelleError(ErrorCode.NotFound, `no route for ${req.method} ${req.path}`));
};
