// XCPD (ITI-55) as country A: identify our patient by identifier (REFERENCE.md "XCPD"). The matricule
// under its national root or our eHDSI domain; demographics-only queries refused
// (DemographicsQueryNotAllowed); several identifiers must name the same patient; no match → NF +
// AnswerNotAvailable; a patient without consent is not returned (InsufficientRights /
// WARNING_PI_NO_CONSENT). Audited as EHDSI-11.
import type { Patient } from "../canonical/model";
import { CONSENT_SERVICES } from "../consent/model";
import { fail, succeed, EhdsiErrors, type Outcome } from "./errors";
import { audited } from "./exchange";
import { isOurDomain, patientRef, type PatientRef } from "./patient-id";
import type { CountryAPorts, Requester } from "./ports";

/** IHE issue codes (1.3.6.1.4.1.19376.1.2.27.3) and eHDSI ones (1.3.6.1.4.1.12559.11.10.1.3.2.2.1). */
export const IHE_ISSUE_SYSTEM = "1.3.6.1.4.1.19376.1.2.27.3";
export const EHDSI_ISSUE_SYSTEM = "1.3.6.1.4.1.12559.11.10.1.3.2.2.1";

export interface DetectedIssue {
  readonly code: string;
  readonly codeSystem: string;
  /** eHDSI error/warning name carried with it (acknowledgementDetail), when any. */
  readonly ehdsiCode?: string;
  readonly text?: string;
}

export interface DiscoveryRequest {
  /** livingSubjectId values (root = assigning authority, extension = id). */
  readonly ids: readonly { readonly root: string; readonly extension: string }[];
  /** Demographics the partner sent besides the ids (only the birth date is compared). */
  readonly birthDate?: string | undefined;
}

export type DiscoveryAnswer =
  | { readonly response: "OK"; readonly patient: Patient; readonly ref: PatientRef; readonly issues: readonly DetectedIssue[] }
  | { readonly response: "NF" | "AE"; readonly issues: readonly DetectedIssue[] };

const issue = (code: string, codeSystem: string, ehdsiCode?: string, text?: string): DetectedIssue => ({
  code, codeSystem, ...(ehdsiCode ? { ehdsiCode } : {}), ...(text ? { text } : {}),
});

const NOT_FOUND: DiscoveryAnswer = { response: "NF", issues: [issue("AnswerNotAvailable", IHE_ISSUE_SYSTEM, "ERROR_PI_NO_MATCH")] };

export async function discoverPatient(ports: CountryAPorts, requester: Requester, request: DiscoveryRequest): Promise<Outcome<DiscoveryAnswer>> {
  return audited(ports, requester, { eventId: "EHDSI-11" }, async (facts) => {
    if (request.ids.length === 0) {
      return succeed<DiscoveryAnswer>({ response: "AE", issues: [issue("DemographicsQueryNotAllowed", EHDSI_ISSUE_SYSTEM, undefined, "identification by identifier only")] });
    }
    const ours = request.ids.filter((id) => isOurDomain(id.root, ports.domains));
    if (ours.length === 0) return succeed(NOT_FOUND);
    const refs = ours.map((id) => patientRef(id, ports.domains));
    // An identifier in our domain that is not a valid matricule names nobody.
    if (refs.some((r) => r === undefined)) return succeed(NOT_FOUND);
    const matricules = new Set(refs.map((r) => r!.matricule));
    facts.patient = [...matricules].join(",");
    if (matricules.size > 1) {
      return succeed<DiscoveryAnswer>({ response: "AE", issues: [issue("PolicyViolation", EHDSI_ISSUE_SYSTEM, "ERROR_PI_MULTIPLE_MATCHES", "the identifiers name different patients")] });
    }
    const ref = refs[0]!;
    const patient = await ports.national.findPatient(ref.national);
    if (!patient) return succeed(NOT_FOUND);
    if (request.birthDate && patient.birthDate && !patient.birthDate.startsWith(request.birthDate.slice(0, 10))) return succeed(NOT_FOUND);

    // Not returned without a consent in force for at least one service towards this country.
    const purpose = requester.assertions.hcp.purposeOfUse;
    const at = ports.clock().toISOString();
    let permitted = false;
    for (const service of CONSENT_SERVICES) {
      const d = await ports.consent.check({ patient: ref.matricule, country: requester.country, service, purpose, at }, requester.messageId ? { correlationId: requester.messageId } : {});
      if (d.permit) permitted = true;
    }
    if (!permitted) {
      const e = EhdsiErrors.noConsent("ps", "no cross-border consent for this country");
      return fail({ ...e, errorCode: "InsufficientRights", context: "WARNING_PI_NO_CONSENT: the patient has not consented to cross-border access" });
    }
    return succeed<DiscoveryAnswer>({ response: "OK", patient, ref, issues: [] });
  });
}

/** The XCPD answer for a refusal: NF with the issue that explains it (consent: InsufficientRights). */
export function refusalAnswer(errorCode: string, context: string): DiscoveryAnswer {
  if (errorCode === "InsufficientRights") return { response: "NF", issues: [issue("InsufficientRights", EHDSI_ISSUE_SYSTEM, "WARNING_PI_NO_CONSENT", context)] };
  if (errorCode === "1001" || errorCode === "1002" || errorCode === "4703") return { response: "AE", issues: [issue("InsufficientRights", EHDSI_ISSUE_SYSTEM, errorCode, context)] };
  return { response: "AE", issues: [issue("InternalError", IHE_ISSUE_SYSTEM, errorCode, context)] };
}
