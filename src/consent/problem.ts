// Consent errors as RFC 9457 problem details: the platform's shape (src/app/problem.ts) with the
// consent domain's stable code (CONSENT_*) as `code`/`type`, its own statuses (412 for a version
// mismatch), and the extension members a client needs to act (differing fields, versions, problems).
import type { ErrorRequestHandler } from "express";
import { STATUS_CODES } from "node:http";
import { PROBLEM_CONTENT_TYPE, type ProblemDetails } from "../app/problem";
import { requestIdOf } from "../shared/logger";
import { type ConsentProblem, consentProblemOf } from "./errors";
import type { PasserelleError } from "../shared/errors";

export const CONSENT_PROBLEM_STATUS: Record<ConsentProblem, number> = {
  CONSENT_INPUT_INVALID: 400,
  CONSENT_MATRICULE_INVALID: 400,
  CONSENT_COUNTRY_UNKNOWN: 400,
  CONSENT_PERIOD_INVERTED: 400,
  CONSENT_PATIENT_UNKNOWN: 404,
  CONSENT_PERIOD_OVERLAP: 409,
  CONSENT_REQUEST_ID_REUSED: 409,
  CONSENT_VERSION_MISMATCH: 412,
};

/** Detail members passed through to the client (never a stack, never a cause). */
const EXTENSIONS = ["problems", "differingFields", "recordedVersion", "expectedVersion", "currentVersion", "conflictingVersion", "service", "country", "requestId"] as const;

export type ConsentProblemDetails = ProblemDetails & Record<string, unknown>;

export function consentProblem(e: PasserelleError, problem: ConsentProblem, instance?: string, correlationId?: string): ConsentProblemDetails {
  const status = CONSENT_PROBLEM_STATUS[problem];
  const location = typeof e.details.location === "string" ? e.details.location : undefined;
  const out: ConsentProblemDetails = {
    type: `urn:passerelle:problem:${problem}`,
    title: STATUS_CODES[status] ?? "Error",
    status,
    code: problem,
    detail: e.message,
    ...(instance ? { instance } : {}),
    ...(correlationId ? { correlationId } : {}),
    ...(location ? { location } : {}),
  };
  for (const k of EXTENSIONS) if (e.details[k] !== undefined) out[k] = e.details[k];
  return out;
}

/** Router-level handler: consent errors here, everything else to the platform's problem handler. */
export const consentProblemHandler: ErrorRequestHandler = (err, req, res, next) => {
  const problem = consentProblemOf(err);
  if (!problem || res.headersSent) {
    next(err);
    return;
  }
  const body = consentProblem(err as PasserelleError, problem, req.originalUrl, requestIdOf(req));
  req.log?.warn({ code: body.code, detail: body.detail }, "consent request refused");
  res.status(body.status).type(PROBLEM_CONTENT_TYPE).json(body);
};
