// Stable problem codes of the consent domain. They travel in PasserelleError.details.problem, beside
// the generic ErrorCode, and become the `code` of an RFC 9457 problem at the REST edge (router.ts)
// and the message prefix of the CLI.
import { ErrorCode, PasserelleError } from "../shared/errors";

export const ConsentProblem = {
  InputInvalid: "CONSENT_INPUT_INVALID",
  MatriculeInvalid: "CONSENT_MATRICULE_INVALID",
  PatientUnknown: "CONSENT_PATIENT_UNKNOWN",
  CountryUnknown: "CONSENT_COUNTRY_UNKNOWN",
  PeriodInverted: "CONSENT_PERIOD_INVERTED",
  PeriodOverlap: "CONSENT_PERIOD_OVERLAP",
  RequestIdReused: "CONSENT_REQUEST_ID_REUSED",
  VersionMismatch: "CONSENT_VERSION_MISMATCH",
} as const;
export type ConsentProblem = (typeof ConsentProblem)[keyof typeof ConsentProblem];

const GENERIC: Record<ConsentProblem, ErrorCode> = {
  CONSENT_INPUT_INVALID: ErrorCode.InputInvalid,
  CONSENT_MATRICULE_INVALID: ErrorCode.MatriculeInvalid,
  CONSENT_PATIENT_UNKNOWN: ErrorCode.PatientNotFound,
  CONSENT_COUNTRY_UNKNOWN: ErrorCode.InputInvalid,
  CONSENT_PERIOD_INVERTED: ErrorCode.InputInvalid,
  CONSENT_PERIOD_OVERLAP: ErrorCode.Conflict,
  CONSENT_REQUEST_ID_REUSED: ErrorCode.Conflict,
  CONSENT_VERSION_MISMATCH: ErrorCode.Conflict,
};

export function consentError(problem: ConsentProblem, message: string, details: Record<string, unknown> = {}): PasserelleError {
  return new PasserelleError(GENERIC[problem], message, { ...details, problem });
}

/** The consent problem code of an error, when it carries one. */
export function consentProblemOf(e: unknown): ConsentProblem | undefined {
  if (!(e instanceof PasserelleError)) return undefined;
  const p = e.details.problem;
  return typeof p === "string" && (Object.values(ConsentProblem) as string[]).includes(p) ? (p as ConsentProblem) : undefined;
}
