// The partner's eHDSI errors as our errors (issue 6: "maps the partner's errors (numeric and string
// eHDSI codes both) to the API"). An eHDSI error is the partner's answer, not a transport failure: it
// becomes a BusinessError (the job fails without retry) carrying the partner's code verbatim, e.g.
// "4701" or "ERROR_PS_NO_CONSENT" (REFERENCE.md "Error codes").
//   XCPD: acknowledgementDetail/code (the eHDSI code), else reasonOf detectedIssueManagement/code
//         (IHE / eHDSI issue codes: DemographicsQueryNotAllowed, InsufficientRights, ...).
//   XCA / XDR: RegistryError/@errorCode (name or number) and @codeContext, whose leading number is
//         the numeric code when the errorCode is a name (country A writes "4701: no consent ...").
import { BusinessError } from "../../exchange/queue/errors";
import type { ReadRegistryError } from "../rim";
import type { XcpdAnswer } from "../xcpd/messages";

export interface PartnerErrorItem {
  /** As the partner wrote it: an ERROR_* name, a numeric code, or an issue code. */
  readonly code: string;
  /** The numeric eHDSI code, when the partner gave one (code itself, or the head of codeContext). */
  readonly numericCode: string | undefined;
  readonly message: string;
  readonly location: string | undefined;
  readonly severity: "error" | "warning";
}

const NUMERIC = /^[0-9]{4}$/;

function numericOf(code: string, context: string): string | undefined {
  if (NUMERIC.test(code)) return code;
  return /^([0-9]{4})\b/.exec(context.trim())?.[1];
}

export function registryErrorItems(errors: readonly ReadRegistryError[]): PartnerErrorItem[] {
  return errors.map((e) => ({ code: e.errorCode, numericCode: numericOf(e.errorCode, e.codeContext), message: e.codeContext, location: e.location, severity: e.severity }));
}

export function xcpdErrorItems(answer: XcpdAnswer): PartnerErrorItem[] {
  const details = answer.details
    .filter((d) => d.typeCode !== "W" && d.typeCode !== "I" && d.code !== "")
    .map((d) => ({ code: d.code, numericCode: numericOf(d.code, d.text ?? ""), message: d.text ?? d.code, location: d.location, severity: "error" as const }));
  const issues = answer.issues
    .filter((i) => i.code !== "" && i.code !== "AnswerNotAvailable")
    .map((i) => ({ code: i.code, numericCode: undefined, message: `detected issue ${i.code}`, location: undefined, severity: "error" as const }));
  return [...details, ...issues];
}

/** The BusinessError for the partner's first error; its code is the name when given, with the number in details. */
export function partnerBusinessError(country: string, transaction: string, items: readonly PartnerErrorItem[]): BusinessError {
  const errors = items.filter((i) => i.severity === "error");
  const first = errors[0] ?? items[0];
  const code = first?.code || "ERROR_GENERIC";
  const message = `partner ${country} ${transaction}: ${code}${first && first.message !== code ? ` (${first.message})` : ""}`;
  return new BusinessError(code, message, {
    partner: country,
    transaction,
    numericCode: first?.numericCode ?? null,
    errors: items.map((i) => ({ code: i.code, numericCode: i.numericCode ?? null, message: i.message, location: i.location ?? null, severity: i.severity })),
  });
}
