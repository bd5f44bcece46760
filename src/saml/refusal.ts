// A refused assertion: an eHDSI code (REFERENCE.md "Error codes": 1001 assertion invalid, 1002 TRC
// does not match the HCP assertion, 4703 insufficient rights / policy, 4206 patient differs from the
// TRC), which assertion, which rule, and a message that says what failed without echoing secrets
// (no signature value, no key, no whole assertion).
import { ErrorCode, PasserelleError } from "../shared/errors";
import type { AssertionKind } from "./vocabulary";

export type RefusalCode = "1001" | "1002" | "4703" | "4206";

const CODES: Record<RefusalCode, ErrorCode> = {
  "1001": ErrorCode.AssertionInvalid,
  "1002": ErrorCode.TrcHcpMismatch,
  "4703": ErrorCode.InsufficientRights,
  "4206": ErrorCode.PatientTrcMismatch,
};

export type RefusalSubject = AssertionKind | "header" | "message";

export class AssertionRefused extends PasserelleError {
  constructor(
    code: RefusalCode,
    readonly subject: RefusalSubject,
    message: string,
    readonly cause_code?: string,
  ) {
    super(CODES[code], message, { location: subject, ...(cause_code ? { cause: cause_code } : {}) });
    this.name = "AssertionRefused";
  }
}

export function refuse(code: RefusalCode, subject: RefusalSubject, message: string, causeCode?: string): AssertionRefused {
  const label = subject === "header" || subject === "message" ? subject : `${subject.toUpperCase()} assertion`;
  return new AssertionRefused(code, subject, `${label}: ${message}`, causeCode);
}
