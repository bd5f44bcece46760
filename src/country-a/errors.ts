// The eHDSI errors country A answers with (REFERENCE.md "Error codes"). A use case never throws for a
// refusal: it returns an EhdsiError, which the responder turns into the transaction's error structure
// (XCPD reasonOf / acknowledgement detail, XCA and XDR RegistryError). `errorCode` is the eHDSI name
// where the specification gives one (ERROR_PS_NO_CONSENT), the numeric code otherwise; `code` is
// always the numeric eHDSI code when there is one, and the codeContext starts with it.
import { ErrorCode, isPasserelleError, type PasserelleError } from "../shared/errors";

export type Service = "ps" | "ep" | "ed";

export interface EhdsiError {
  readonly errorCode: string;
  /** Numeric eHDSI code (4701, 1102, ...) when the specification names one. */
  readonly code: string | undefined;
  /** Human-readable detail (RegistryError/@codeContext); never personal data beyond ids the partner sent. */
  readonly context: string;
  readonly severity: "error" | "warning";
  readonly location?: string;
}

function make(errorCode: string, code: string | undefined, message: string, severity: "error" | "warning" = "error", location?: string): EhdsiError {
  return { errorCode, code, context: code ? `${code}: ${message}` : message, severity, ...(location ? { location } : {}) };
}

const SERVICE_NAME: Record<Service, string> = { ps: "PS", ep: "EP", ed: "ED" };

export const EhdsiErrors = {
  /** 4701: the patient has no cross-border consent in force for this service and country. */
  noConsent: (service: Service, reason: string) => make(`ERROR_${SERVICE_NAME[service]}_NO_CONSENT`, "4701", `no consent (${reason})`),
  /** 1102 / 1101: nothing to return. */
  psNotFound: () => make("ERROR_PS_NOT_FOUND", "1102", "no Patient Summary for this patient"),
  epNotFound: () => make("ERROR_EP_NOT_FOUND", "1101", "no ePrescription for this patient"),
  /** 4202: the class code asked is not one this gateway serves. */
  classCodeNotSupported: (codes: readonly string[]) => make("4202", "4202", `class code not supported: ${codes.join(", ") || "(none)"}`, "error", "$XDSDocumentEntryClassCode"),
  /** 4203: a required coded element has no MVC mapping; the document is withheld. */
  missingMapping: (service: "ps" | "ep", message: string, severity: "error" | "warning" = "error") =>
    make(`ERROR_${SERVICE_NAME[service]}_MISSING_EXPECTED_MAPPING`, "4203", message, severity),
  /** The document asked for is unknown or no longer current (the national record changed). */
  documentMissing: (uniqueId: string) => make("ERROR_GENERIC_DOCUMENT_MISSING", undefined, `document ${uniqueId} is not available`, "error", uniqueId),
  patientIdUnknownDomain: (root: string) => make("ERROR_PI_NO_MATCH", undefined, `patient identifier domain ${root} is not served by this gateway`),
  /** 4106: the prescription cannot be dispensed (dispensed, cancelled, expired). */
  notDispensable: (message: string) => make("ERROR_ED_NOT_DISPENSABLE_EPRESCRIPTION", "4106", message),
  dispensationInvalid: (message: string, location?: string) => make("ERROR_ED_GENERIC", undefined, message, "error", location),
  discardFailed: (message: string) => make("ERROR_ED_DISCARD_FAILED", undefined, message),
  /** 4206: the request's patient is not the TRC's / the document's. */
  patientMismatch: (message: string) => make("4206", "4206", message),
  generic: (message: string) => make("ERROR_GENERIC", undefined, message),
  /** A request that is well-formed SOAP but not a usable transaction request. */
  badRequest: (message: string, location?: string) => make("ERROR_GENERIC", undefined, message, "error", location),
} as const;

/** A refused assertion (src/saml/refusal.ts) or any PasserelleError as an eHDSI error. */
export function ehdsiErrorOf(e: PasserelleError): EhdsiError {
  switch (e.code) {
    case ErrorCode.AssertionInvalid:
    case ErrorCode.TrcHcpMismatch:
    case ErrorCode.InsufficientRights:
    case ErrorCode.PatientTrcMismatch:
      return make(e.code, e.code, e.message, "error", e.details.location);
    case ErrorCode.PsMissingMapping:
      return EhdsiErrors.missingMapping("ps", e.message);
    case ErrorCode.EpMissingMapping:
      return EhdsiErrors.missingMapping("ep", e.message);
    case ErrorCode.EpAlreadyDispensed:
      return EhdsiErrors.notDispensable(e.message);
    case ErrorCode.EpNotFound:
      return make("ERROR_EP_NOT_FOUND", "1101", e.message);
    case ErrorCode.DispensationInvalid:
    case ErrorCode.DocumentInvalid:
      return EhdsiErrors.dispensationInvalid(e.message, e.details.location);
    default:
      return EhdsiErrors.generic(e.message);
  }
}

/** Errors of our own making become ERROR_GENERIC with a correlation id, never a stack trace. */
export function ehdsiErrorOfUnknown(e: unknown, correlationId: string): EhdsiError {
  if (isPasserelleError(e)) return ehdsiErrorOf(e);
  return EhdsiErrors.generic(`internal error (correlation id ${correlationId})`);
}

export type Outcome<T> =
  | { readonly ok: true; readonly value: T; readonly warnings: readonly EhdsiError[] }
  | { readonly ok: false; readonly error: EhdsiError };

export const succeed = <T>(value: T, warnings: readonly EhdsiError[] = []): Outcome<T> => ({ ok: true, value, warnings });
export const fail = <T = never>(error: EhdsiError): Outcome<T> => ({ ok: false, error });
