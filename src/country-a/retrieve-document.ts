// XCA retrieve (ITI-39) as country A: the sealed L3 or the L1 by document uniqueId (REFERENCE.md
// "XCA"). What an id is about comes from the index of documents offered (dispensation-store.ts),
// known before anything is read; then consent (4701: nothing read), then the national record: the
// id must still be the record's current id (ids are stable while the record is unchanged), else the
// document is missing. A document whose required code has no mapping is withheld
// (ERROR_*_MISSING_EXPECTED_MAPPING). Audited as EHDSI-22 (PS) / EHDSI-32 (eP).
import { ErrorCode, isPasserelleError } from "../shared/errors";
import { documentIdOf, type OfferedDocument } from "./document-source";
import type { OfferedIndexEntry } from "./dispensation-store";
import { EhdsiErrors, fail, succeed, type EhdsiError, type Outcome } from "./errors";
import { audited } from "./exchange";
import type { PatientRef } from "./patient-id";
import type { CountryAPorts, Requester } from "./ports";

export interface RetrieveTarget {
  readonly uniqueId: string;
  /** What the id was offered as; undefined when we never offered it. */
  readonly offered: OfferedIndexEntry | undefined;
}

/** Looks the ids up (no national read): the responder needs the kind and patient to validate assertions. */
export async function retrieveTargets(ports: Pick<CountryAPorts, "dispensations">, uniqueIds: readonly string[]): Promise<RetrieveTarget[]> {
  return Promise.all(uniqueIds.map(async (uniqueId) => ({ uniqueId, offered: await ports.dispensations.offered(uniqueId) })));
}

export interface RetrieveResult {
  readonly documents: readonly OfferedDocument[];
  /** Per-document refusals (PartialSuccess when some documents are returned). */
  readonly errors: readonly EhdsiError[];
}

async function current(ports: CountryAPorts, patient: PatientRef, entry: OfferedIndexEntry): Promise<OfferedDocument | EhdsiError> {
  try {
    if (entry.kind === "ps") {
      const ps = await ports.national.getPatientSummary(patient.national);
      if (!ps || ps.id !== entry.sourceId || documentIdOf(ports.documents.context, "ps", ps, entry.level) !== entry.uniqueId) return EhdsiErrors.documentMissing(entry.uniqueId);
      return await ports.documents.patientSummary(patient.matricule, ps, entry.level, entry.uniqueId);
    }
    const p = await ports.national.getPrescription(patient.national, entry.sourceId);
    if (!p || documentIdOf(ports.documents.context, "ep", p, entry.level) !== entry.uniqueId) return EhdsiErrors.documentMissing(entry.uniqueId);
    return await ports.documents.prescription(patient.matricule, p, entry.level, entry.uniqueId);
  } catch (e) {
    if (isPasserelleError(e, ErrorCode.PsMissingMapping) || isPasserelleError(e, ErrorCode.EpMissingMapping)) {
      return { ...EhdsiErrors.missingMapping(entry.kind, `${e.message} (document withheld)`), location: entry.uniqueId };
    }
    throw e;
  }
}

/**
 * Retrieves documents of one patient (the TRC's; the responder checked it). `targets` from
 * retrieveTargets; ids never offered, or offered for another patient, are missing.
 */
export async function retrieveDocuments(ports: CountryAPorts, requester: Requester, patient: PatientRef, targets: readonly RetrieveTarget[]): Promise<Outcome<RetrieveResult>> {
  const kind = targets.find((t) => t.offered)?.offered?.kind ?? "ps";
  return audited(ports, requester, { eventId: kind === "ep" ? "EHDSI-32" : "EHDSI-22", patient: patient.matricule, documents: targets.map((t) => t.uniqueId) }, async (facts) => {
    if (targets.length === 0) return fail(EhdsiErrors.badRequest("no DocumentRequest"));
    const errors: EhdsiError[] = [];
    const documents: OfferedDocument[] = [];
    const decisions = new Map<string, boolean>();
    for (const t of targets) {
      const entry = t.offered;
      if (!entry || entry.matricule !== patient.matricule) {
        errors.push(EhdsiErrors.documentMissing(t.uniqueId));
        continue;
      }
      let permit = decisions.get(entry.kind);
      if (permit === undefined) {
        const d = await ports.consent.check(
          { patient: patient.matricule, country: requester.country, service: entry.kind, purpose: requester.assertions.hcp.purposeOfUse, at: ports.clock().toISOString() },
          requester.messageId ? { correlationId: requester.messageId } : {},
        );
        permit = d.permit;
        decisions.set(entry.kind, permit);
        if (!d.permit) errors.push({ ...EhdsiErrors.noConsent(entry.kind, d.reason), location: t.uniqueId });
      }
      if (!permit) continue;
      const doc = await current(ports, patient, entry);
      if ("errorCode" in doc) errors.push(doc);
      else documents.push(doc);
    }
    facts.documents = documents.map((d) => d.uniqueId);
    if (documents.length === 0) return fail(errors[0]!);
    return succeed<RetrieveResult>({ documents, errors }, errors);
  });
}
