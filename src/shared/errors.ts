// Errors with stable codes (DESIGN.md convention 8). The edge (SOAP, REST, CLI) turns them into a
// SOAP fault, a RegistryError or an HTTP problem; the code and message never carry a stack trace.

/** Stable error codes. eHDSI codes are used verbatim where the specification names one. */
export const ErrorCode = {
  // generic
  InputInvalid: "INPUT_INVALID",
  InputTooLarge: "INPUT_TOO_LARGE",
  ConfigInvalid: "CONFIG_INVALID",
  NotFound: "NOT_FOUND",
  Conflict: "CONFLICT",
  Internal: "ERROR_GENERIC",
  // national input
  MatriculeInvalid: "MATRICULE_INVALID",
  PatientNotFound: "ERROR_PI_NO_MATCH",
  PatientMultipleMatches: "ERROR_PI_MULTIPLE_MATCHES",
  PsNotFound: "ERROR_PS_NOT_FOUND",
  EpNotFound: "ERROR_EP_NOT_FOUND",
  // transcoding (REFERENCE.md: 4203)
  PsMissingMapping: "ERROR_PS_MISSING_EXPECTED_MAPPING",
  EpMissingMapping: "ERROR_EP_MISSING_EXPECTED_MAPPING",
  EdMissingMapping: "ERROR_ED_MISSING_EXPECTED_MAPPING",
  // documents
  DocumentInvalid: "DOCUMENT_INVALID",
  DispensationInvalid: "DISPENSATION_INVALID",
  EpAlreadyDispensed: "ERROR_ED_NOT_DISPENSABLE_EPRESCRIPTION",
  // signatures
  SignatureInvalid: "SIGNATURE_INVALID",
  SignerUntrusted: "SIGNER_UNTRUSTED",
  AlgorithmRefused: "ALGORITHM_REFUSED",
  // SAML assertions (REFERENCE.md "Error codes"): eHDSI codes verbatim
  AssertionInvalid: "1001",
  TrcHcpMismatch: "1002",
  InsufficientRights: "4703",
  PatientTrcMismatch: "4206",
  // exchange queue: a partner or national system could not be reached (retried with backoff)
  TransportFailure: "TRANSPORT_FAILURE",
  // national clients on the 8444 listener (src/api/): no valid credential, a missing scope, too many failures
  Unauthenticated: "UNAUTHENTICATED",
  ScopeMissing: "SCOPE_MISSING",
  TooManyFailures: "TOO_MANY_FAILURES",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface ErrorDetails {
  /** Where the problem is: a JSON pointer, an XPath, a CDA element path. */
  location?: string;
  [key: string]: unknown;
}

export class PasserelleError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PasserelleError";
    this.code = code;
    this.details = details;
  }
}

export function isPasserelleError(e: unknown, code?: ErrorCode): e is PasserelleError {
  return e instanceof PasserelleError && (code === undefined || e.code === code);
}

export function inputError(message: string, location?: string): PasserelleError {
  return new PasserelleError(ErrorCode.InputInvalid, message, location ? { location } : {});
}
