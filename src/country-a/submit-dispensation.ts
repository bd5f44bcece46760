// XDR (ITI-41) eDispensation as country A (REFERENCE.md "XDR"; issue 5). In order:
//  1. idempotency: an eD uniqueId already received gets the stored answer (never dispensed twice);
//  2. the eD: parsed (parseEDispensation), CDA_Pharma.xsd, MVC bindings;
//  3. the patient: the request's, the eD's and ours must be the same (4206);
//  4. consent (ePrescription scope, 4701);
//  5. the prescription: exists, belongs to the patient, dispensable (4106), substitution allowed when
//     substituted, quantities within what remains (national/dispensing.ts rules);
//  6. stored (durable) BEFORE the national call; then recorded through the national adapter with a
//     deadline. No answer in time: the answer is "deferred" (RegistryResponse Success + a warning,
//     DISPENSATION_DEFERRED) and a `deliver-dispensation` job delivers it later. The national
//     recordDispensation is idempotent on the eD id, so a late first call and the job's call
//     dispense once.
// Audited as EHDSI-41.
import type { Dispensation } from "../canonical/model";
import type { CdaSchema } from "../documents/cda/schema";
import { checkBindings } from "../documents/cda/bindings-check";
import { parseEDispensation } from "../documents/cda/parse-edispensation";
import { checkDispensable, packagesAsked } from "../national/dispensing";
import { ErrorCode, isPasserelleError, PasserelleError } from "../shared/errors";
import type { Terminology } from "../terminology/types";
import type { DispensationAnswer } from "./dispensation-store";
import { EhdsiErrors, ehdsiErrorOf, fail, succeed, type EhdsiError, type Outcome } from "./errors";
import { audited } from "./exchange";
import { withDeadline } from "./national-call";
import { isOurDomain, patientRefOfCx, type PatientRef } from "./patient-id";
import type { CountryAPorts, Requester } from "./ports";

export interface SubmittedDocument {
  /** The eD CDA (decoded). */
  readonly xml: string;
  /** XDS DocumentEntry uniqueId from the metadata (must be the eD's ClinicalDocument/id when given). */
  readonly uniqueId: string | undefined;
  /** $XDSDocumentEntryPatientId / SubmissionSet patientId, CX form. */
  readonly patientId: string;
}

export interface DocumentChecks {
  readonly schema: CdaSchema;
  readonly terminology: Terminology;
}

export const DEFERRED_WARNING = "DISPENSATION_DEFERRED";

export function deferredAnswer(): DispensationAnswer {
  return {
    status: "success",
    deferred: true,
    errors: [{ errorCode: DEFERRED_WARNING, code: undefined, context: "stored; recording in the national prescription system is pending and will be done once", severity: "warning" }],
  };
}

function refusal(error: EhdsiError): DispensationAnswer {
  return { status: "failure", deferred: false, errors: [error] };
}

/** The answer as an Outcome (a stored failure stays a failure). */
export function outcomeOf(given: DispensationAnswer): Outcome<DispensationAnswer> {
  // As stored (JSON): a first answer and its replay to a resubmission are identical.
  const answer = JSON.parse(JSON.stringify(given)) as DispensationAnswer;
  if (answer.status === "failure") return fail(answer.errors[0] ?? EhdsiErrors.generic("refused"));
  return succeed(answer, answer.errors);
}

/** Reads and checks the eD; a refusal as an EhdsiError. */
export function readDispensation(doc: SubmittedDocument, checks: DocumentChecks): Dispensation | EhdsiError {
  let d: Dispensation;
  try {
    d = parseEDispensation(doc.xml);
  } catch (e) {
    if (isPasserelleError(e)) return ehdsiErrorOf(e);
    throw e;
  }
  const xsd = checks.schema.validate(doc.xml);
  if (!xsd.valid) return EhdsiErrors.dispensationInvalid(`the eDispensation fails CDA_Pharma.xsd: ${xsd.errors.slice(0, 3).map((e) => `line ${e.line}: ${e.message}`).join("; ")}`);
  const bindings = checkBindings(doc.xml, checks.terminology, { kind: "ed" });
  const bad = bindings.findings.filter((f) => f.severity === "error");
  if (bad.length > 0) return EhdsiErrors.dispensationInvalid(`the eDispensation has codes outside their MVC value sets: ${bad.slice(0, 3).map((f) => `${f.location}: ${f.message}`).join("; ")}`, bad[0]!.location);
  if (doc.uniqueId !== undefined && doc.uniqueId !== d.id && doc.uniqueId !== d.id.split("^")[0]) {
    return EhdsiErrors.dispensationInvalid(`the metadata uniqueId ${doc.uniqueId} is not the eDispensation's id ${d.id}`, "DocumentEntry/uniqueId");
  }
  return d;
}

/** The patient of the request, who must also be the eD's (ids in our domains). */
export function patientOfSubmission(ports: Pick<CountryAPorts, "domains">, doc: SubmittedDocument, d: Dispensation): PatientRef | EhdsiError {
  const patient = patientRefOfCx(doc.patientId, ports.domains);
  if (!patient) return EhdsiErrors.patientIdUnknownDomain(doc.patientId);
  const ours = d.patient.ids.filter((i) => isOurDomain(i.system.replace(/^urn:oid:/, ""), ports.domains));
  if (ours.length === 0 || ours.some((i) => i.value !== patient.matricule)) return EhdsiErrors.patientMismatch("the eDispensation's patient is not the request's patient");
  return patient;
}

/** Prescription rules (REFERENCE.md "XDR"; national/dispensing.ts): a refusal, or undefined. */
export async function checkPrescription(ports: CountryAPorts, patient: PatientRef, d: Dispensation): Promise<EhdsiError | undefined> {
  const p = await ports.national.getPrescription(patient.national, d.prescriptionId);
  if (!p) return { ...EhdsiErrors.epNotFound(), context: `1101: no prescription ${d.prescriptionId} for this patient` };
  try {
    checkDispensable(p, p.status, packagesAsked(d));
  } catch (e) {
    if (isPasserelleError(e)) return ehdsiErrorOf(e);
    throw e;
  }
  for (const item of d.items) {
    const prescribed = p.items.find((i) => i.id === item.prescriptionItemId);
    if (item.substituted && prescribed && !prescribed.substitutionAllowed) {
      return EhdsiErrors.dispensationInvalid(`item ${item.prescriptionItemId} of prescription ${p.id} was substituted but substitution is not allowed`, "supply/entryRelationship/act[SUBST]");
    }
  }
  return undefined;
}

/** Records a claimed (stored, pending) dispensation with a deadline; returns the answer to give. */
async function record(ports: CountryAPorts, uniqueId: string, d: Dispensation, traceId: string, patient: PatientRef, partner: string): Promise<DispensationAnswer> {
  const r = await withDeadline(() => ports.national.recordDispensation(d), ports.nationalTimeoutMs);
  if (r.kind === "answered") {
    const answer: DispensationAnswer = { status: "success", deferred: false, errors: [], prescriptionStatus: r.value.prescriptionStatus };
    await ports.dispensations.transition(uniqueId, ["pending"], "recorded", answer);
    return answer;
  }
  if (r.kind === "failed" && isPasserelleError(r.error) && r.error.code !== ErrorCode.Internal) {
    // The national system refused it (e.g. a concurrent dispensation took the last package).
    const answer = refusal(ehdsiErrorOf(r.error));
    await ports.dispensations.transition(uniqueId, ["pending"], "refused", answer);
    return answer;
  }
  // No answer in time (or the adapter broke): stored already; deferred and delivered by the queue.
  const answer = deferredAnswer();
  await ports.dispensations.transition(uniqueId, ["pending"], "deferred", answer);
  if (r.kind === "timeout") {
    // A late answer completes the delivery (the job then finds it delivered, or its call is a duplicate).
    r.late.then(
      () => ports.dispensations.transition(uniqueId, ["deferred"], "delivered"),
      () => undefined,
    ).catch(() => undefined);
  }
  await ports.queue.enqueueDelivery({ documentUniqueId: uniqueId, traceId, patient: patient.national, partner, dispensation: d });
  return answer;
}

export async function submitDispensation(ports: CountryAPorts, requester: Requester, doc: SubmittedDocument, checks: DocumentChecks): Promise<Outcome<DispensationAnswer>> {
  return audited(ports, requester, { eventId: "EHDSI-41", patient: doc.patientId, documents: doc.uniqueId ? [doc.uniqueId] : [] }, async (facts) => {
    const key = doc.uniqueId;
    if (key) {
      const previous = await ports.dispensations.get(key);
      if (previous) {
        facts.detail = { resubmission: true, state: previous.state };
        return outcomeOf(previous.answer ?? deferredAnswer());
      }
    }
    const d = readDispensation(doc, checks);
    if ("errorCode" in d) return fail(d);
    facts.documents = [d.id];
    const patient = patientOfSubmission(ports, doc, d);
    if ("errorCode" in patient) return fail(patient);
    facts.patient = patient.matricule;
    const uniqueId = key ?? d.id;
    if (!key) {
      const previous = await ports.dispensations.get(uniqueId);
      if (previous) return outcomeOf(previous.answer ?? deferredAnswer());
    }

    const decision = await ports.consent.check(
      { patient: patient.matricule, country: requester.country, service: "ep", purpose: requester.assertions.hcp.purposeOfUse, at: ports.clock().toISOString() },
      requester.messageId ? { correlationId: requester.messageId } : {},
    );
    if (!decision.permit) return fail(EhdsiErrors.noConsent("ed", decision.reason));

    const refused = await checkPrescription(ports, patient, d);
    if (refused) return fail(refused);

    // The national record knows the patient by the national id: put it first.
    const toRecord: Dispensation = { ...d, patient: { ...d.patient, ids: [patient.national, ...d.patient.ids.filter((i) => i.system !== patient.national.system)] } };
    if (!(await ports.dispensations.claim({ uniqueId, operation: "submit", matricule: patient.matricule, partner: requester.country, dispensation: toRecord }))) {
      const previous = await ports.dispensations.get(uniqueId);
      return outcomeOf(previous?.answer ?? deferredAnswer());
    }
    const answer = await record(ports, uniqueId, toRecord, requester.messageId ?? uniqueId, patient, requester.country);
    facts.detail = { deferred: answer.deferred, prescriptionStatus: answer.prescriptionStatus };
    return outcomeOf(answer);
  });
}

/**
 * The `deliver-dispensation` job: delivers a deferred dispensation exactly once. Re-checks the state
 * when it runs (already delivered or cancelled: nothing to do); the national call is idempotent on the
 * eD id. A national refusal ends as "refused" for the operator; other failures throw (the queue retries).
 */
export async function deliverDispensation(ports: CountryAPorts, uniqueId: string): Promise<"delivered" | "already-done" | "refused"> {
  const stored = await ports.dispensations.get(uniqueId);
  if (!stored) throw new PasserelleError(ErrorCode.NotFound, `no stored dispensation ${uniqueId}`);
  if (stored.state !== "deferred" && stored.state !== "pending") return "already-done";
  await ports.dispensations.countAttempt(uniqueId);
  try {
    await ports.national.recordDispensation(stored.dispensation);
  } catch (e) {
    if (isPasserelleError(e) && e.code !== ErrorCode.Internal) {
      await ports.dispensations.transition(uniqueId, ["deferred", "pending"], "refused");
      return "refused";
    }
    throw e;
  }
  await ports.dispensations.transition(uniqueId, ["deferred", "pending"], "delivered");
  return "delivered";
}
