// XDR discard (eHDSI eD discard: classCode DISCARD-60593-1, formatCode urn:eHDSI:ed:discard:2020) as
// country A: undo a dispensation recorded earlier. The discard document is the eDispensation being
// withdrawn (its ClinicalDocument/id names it; a relatedDocument/parentDocument/id
// with typeCode RPLC, when present, names it instead; an XFRM parent is the ePrescription, not it).
// Idempotent on the discard document's uniqueId (stored answer). A dispensation
// still waiting for delivery is cancelled instead of delivered. Audited as EHDSI-42.
import { all, attr, readCda } from "../documents/cda/cda-reader";
import { ErrorCode, isPasserelleError } from "../shared/errors";
import type { DispensationAnswer } from "./dispensation-store";
import { EhdsiErrors, fail, type Outcome } from "./errors";
import { audited } from "./exchange";
import { withDeadline } from "./national-call";
import type { CountryAPorts, Requester } from "./ports";
import { outcomeOf, patientOfSubmission, readDispensation, type DocumentChecks, type SubmittedDocument } from "./submit-dispensation";

/** The eD a discard withdraws: relatedDocument[@typeCode='RPLC']/parentDocument/id when given, else the document's own id. */
export function discardedId(xml: string, ownId: string): string {
  const doc = readCda(xml, { code: ErrorCode.DispensationInvalid });
  const parent = all(doc.documentElement!, "hl7:relatedDocument[@typeCode='RPLC']/hl7:parentDocument/hl7:id")[0];
  const root = attr(parent, "root");
  if (!root) return ownId;
  const ext = attr(parent, "extension");
  return ext ? `${root}^${ext}` : root;
}

const DISCARD_KEY = (uniqueId: string) => `discard:${uniqueId}`;

export async function discardDispensation(ports: CountryAPorts, requester: Requester, doc: SubmittedDocument, checks: DocumentChecks): Promise<Outcome<DispensationAnswer>> {
  return audited(ports, requester, { eventId: "EHDSI-42", patient: doc.patientId, documents: doc.uniqueId ? [doc.uniqueId] : [] }, async (facts) => {
    const d = readDispensation(doc, checks);
    if ("errorCode" in d) return fail(EhdsiErrors.discardFailed(d.context));
    const patient = patientOfSubmission(ports, doc, d);
    if ("errorCode" in patient) return fail(patient);
    facts.patient = patient.matricule;
    const key = DISCARD_KEY(doc.uniqueId ?? d.id);
    const previous = await ports.dispensations.get(key);
    if (previous?.answer) return outcomeOf(previous.answer);

    const decision = await ports.consent.check(
      { patient: patient.matricule, country: requester.country, service: "ep", purpose: requester.assertions.hcp.purposeOfUse, at: ports.clock().toISOString() },
      requester.messageId ? { correlationId: requester.messageId } : {},
    );
    if (!decision.permit) return fail(EhdsiErrors.noConsent("ed", decision.reason));

    const target = discardedId(doc.xml, d.id);
    facts.documents = [target];
    const original = await ports.dispensations.get(target);
    if (original && original.matricule !== patient.matricule) return fail(EhdsiErrors.discardFailed("the dispensation belongs to another patient"));
    if (original && original.partner !== requester.country) return fail(EhdsiErrors.discardFailed("only the country that submitted a dispensation may discard it"));
    await ports.dispensations.claim({ uniqueId: key, operation: "discard", matricule: patient.matricule, partner: requester.country, dispensation: d });

    // Not delivered yet: cancel the delivery; nothing reached the national record.
    if (original && (await ports.dispensations.transition(target, ["deferred", "pending"], "refused", { status: "failure", deferred: false, errors: [EhdsiErrors.discardFailed("discarded before delivery")] }))) {
      const answer: DispensationAnswer = { status: "success", deferred: false, errors: [] };
      await ports.dispensations.transition(key, ["pending"], "recorded", answer);
      return outcomeOf(answer);
    }
    const r = await withDeadline(() => ports.national.discardDispensation(patient.national, target), ports.nationalTimeoutMs);
    let answer: DispensationAnswer;
    if (r.kind === "answered") answer = { status: "success", deferred: false, errors: [], prescriptionStatus: r.value.prescriptionStatus };
    else if (r.kind === "failed" && isPasserelleError(r.error) && r.error.code !== ErrorCode.Internal) answer = { status: "failure", deferred: false, errors: [EhdsiErrors.discardFailed(r.error.message)] };
    else {
      // The discard is not deferred: the pharmacy must know whether the prescription is dispensable again.
      await ports.dispensations.transition(key, ["pending"], "refused");
      return fail(EhdsiErrors.discardFailed("the national prescription system did not answer in time; try again"));
    }
    await ports.dispensations.transition(key, ["pending"], answer.status === "success" ? "recorded" : "refused", answer);
    return outcomeOf(answer);
  });
}
