// POST /ncp/xcpd (ITI-55) of country A: a thin adapter. PRPA_IN201305UV02 in (codec messages.ts),
// the HCP assertion validated for service xcpd (no TRC), discoverPatient, PRPA_IN201306UV02 out:
// OK with the patient (announced under our eHDSI patient-id domain), NF + AnswerNotAvailable,
// NF + InsufficientRights for a patient without consent, AE for refusals (REFERENCE.md "XCPD").
import { randomUUID } from "node:crypto";
import { discoverPatient, EHDSI_ISSUE_SYSTEM, refusalAnswer, type DetectedIssue, type DiscoveryAnswer } from "../../country-a/discover-patient";
import type { EhdsiError } from "../../country-a/errors";
import { validateRequest, type CountryAResponders } from "../../country-a/inbound";
import { Actions } from "../namespaces";
import type { Responder, ResponderAnswer } from "../router";
import { buildXcpdResponse, IssueCodes, parseXcpdQuery, type AckDetail, type IssueCode, type XcpdOutcome, type XcpdQuery } from "./messages";

function issueCodes(issues: readonly DetectedIssue[]): IssueCode[] {
  return issues.map((i) => i.code).filter((c): c is IssueCode => c in IssueCodes);
}

function details(issues: readonly DetectedIssue[]): AckDetail[] {
  return issues.filter((i) => i.ehdsiCode).map((i) => ({ code: i.ehdsiCode!, codeSystem: EHDSI_ISSUE_SYSTEM, ...(i.text ? { text: i.text } : {}) }));
}

function outcomeOf(answer: DiscoveryAnswer, ehdsiDomain: string): XcpdOutcome {
  if (answer.response === "OK") {
    const p = answer.patient;
    const ids = [{ system: ehdsiDomain, value: answer.ref.matricule }];
    return { kind: "found", patients: [{ ids, names: p.names, gender: p.gender, ...(p.birthDate ? { birthDate: p.birthDate } : {}), addresses: p.addresses }] };
  }
  if (answer.response === "NF") return { kind: "not-found", issues: issueCodes(answer.issues), details: details(answer.issues) };
  return { kind: "error", issues: issueCodes(answer.issues), details: details(answer.issues) };
}

function refusal(error: EhdsiError): DiscoveryAnswer {
  return refusalAnswer(error.errorCode, error.context);
}

export function xcpdResponder(r: CountryAResponders): Responder {
  return async (x): Promise<ResponderAnswer> => {
    const query: XcpdQuery = parseXcpdQuery(x.request.body);
    const answer = (outcome: XcpdOutcome): ResponderAnswer => ({
      action: Actions.xcpd.response,
      body: buildXcpdResponse({ query, ourDeviceId: r.homeCommunityId.replace(/^urn:oid:/, ""), homeCommunityOid: r.homeCommunityId, messageId: { root: randomUUID() }, now: r.ports.clock() }, outcome),
    });
    const validation = await validateRequest(r, { envelope: x.envelope, country: x.peer.partner.country, messageId: x.request.addressing.messageId, exchangeId: x.exchangeId, security: x.request.security }, "xcpd", "EHDSI-11");
    if (!validation.ok) return answer(outcomeOf(refusal(validation.error), r.ports.domains.ehdsi));
    const result = await discoverPatient(r.ports, validation.requester, {
      ids: query.livingSubjectIds,
      birthDate: query.demographics.birthTime && /^\d{8}/.test(query.demographics.birthTime) ? `${query.demographics.birthTime.slice(0, 4)}-${query.demographics.birthTime.slice(4, 6)}-${query.demographics.birthTime.slice(6, 8)}` : undefined,
    });
    return answer(outcomeOf(result.ok ? result.value : refusal(result.error), r.ports.domains.ehdsi));
  };
}
