// XCA query (ITI-38 FindDocuments) as country A: PS (60591-5) and eP (57833-6). In order: the class
// code (4202 when unsupported), the patient id (ours), consent (4701: the national record is NOT
// read), then the national record, then each document offered as an L3 and an L1 entry linked by XFRM
// (REFERENCE.md "XCA"). A document that cannot be built for a missing mapping is left out with a
// warning (ERROR_*_MISSING_EXPECTED_MAPPING). Audited as EHDSI-21 (PS) / EHDSI-31 (eP).
import type { PatientSummary, Prescription } from "../canonical/model";
import { ErrorCode, isPasserelleError } from "../shared/errors";
import type { OfferedDocument } from "./document-source";
import { EhdsiErrors, fail, succeed, type EhdsiError, type Outcome } from "./errors";
import { audited } from "./exchange";
import { patientRefOfCx, type PatientRef } from "./patient-id";
import type { CountryAPorts, Requester } from "./ports";

export const CLASS_CODES = { ps: "60591-5", ep: "57833-6" } as const;
export type QueryKind = keyof typeof CLASS_CODES;

export interface DocumentQuery {
  /** $XDSDocumentEntryPatientId, CX form. */
  readonly patientId: string;
  /** $XDSDocumentEntryClassCode codes (scheme stripped). */
  readonly classCodes: readonly string[];
}

export interface QueryResult {
  readonly kind: QueryKind;
  readonly patient: PatientRef;
  readonly documents: readonly OfferedDocument[];
  /** XFRM associations: the L1 (source) transforms the L3 (target). */
  readonly transforms: readonly { readonly source: string; readonly target: string }[];
}

/** The kind a query asks for; undefined when it names no class code we serve (or mixes both). */
export function kindOfClassCodes(codes: readonly string[]): QueryKind | undefined {
  const kinds = new Set(codes.map((c) => (c === CLASS_CODES.ps ? "ps" : c === CLASS_CODES.ep ? "ep" : "other")));
  if (kinds.size !== 1 || kinds.has("other")) return undefined;
  return [...kinds][0] as QueryKind;
}

function mappingWarning(kind: QueryKind, e: unknown): EhdsiError | undefined {
  if (isPasserelleError(e, ErrorCode.PsMissingMapping) || isPasserelleError(e, ErrorCode.EpMissingMapping)) {
    return EhdsiErrors.missingMapping(kind, `${e.message} (document withheld)`, "warning");
  }
  return undefined;
}

export async function queryDocuments(ports: CountryAPorts, requester: Requester, query: DocumentQuery): Promise<Outcome<QueryResult>> {
  const kind = kindOfClassCodes(query.classCodes);
  return audited(ports, requester, { eventId: kind === "ep" ? "EHDSI-31" : "EHDSI-21", patient: query.patientId }, async (facts) => {
    if (!kind) return fail(EhdsiErrors.classCodeNotSupported(query.classCodes));
    const patient = patientRefOfCx(query.patientId, ports.domains);
    if (!patient) return fail(EhdsiErrors.patientIdUnknownDomain(query.patientId));
    facts.patient = patient.matricule;

    // Consent first: on a refusal the national record is not read (issue 5).
    const decision = await ports.consent.check(
      { patient: patient.matricule, country: requester.country, service: kind, purpose: requester.assertions.hcp.purposeOfUse, at: ports.clock().toISOString() },
      requester.messageId ? { correlationId: requester.messageId } : {},
    );
    if (!decision.permit) return fail(EhdsiErrors.noConsent(kind, decision.reason));

    const documents: OfferedDocument[] = [];
    const warnings: EhdsiError[] = [];
    const offer = async (build: () => Promise<OfferedDocument>) => {
      try {
        documents.push(await build());
      } catch (e) {
        const w = mappingWarning(kind, e);
        if (!w) throw e;
        warnings.push(w);
      }
    };
    if (kind === "ps") {
      const ps: PatientSummary | undefined = await ports.national.getPatientSummary(patient.national);
      if (!ps) return fail(EhdsiErrors.psNotFound());
      for (const level of ["L3", "L1"] as const) await offer(() => ports.documents.patientSummary(patient.matricule, ps, level));
    } else {
      const prescriptions: Prescription[] = await ports.national.listPrescriptions(patient.national);
      if (prescriptions.length === 0) return fail(EhdsiErrors.epNotFound());
      for (const p of prescriptions) for (const level of ["L3", "L1"] as const) await offer(() => ports.documents.prescription(patient.matricule, p, level));
    }
    await ports.dispensations.rememberOffered(documents.map((d) => ({ uniqueId: d.uniqueId, matricule: d.matricule, kind: d.kind, level: d.level, sourceId: d.sourceId })));
    const offered = new Set(documents.map((d) => d.uniqueId));
    const transforms = documents.filter((d) => d.transformOf && offered.has(d.transformOf)).map((d) => ({ source: d.uniqueId, target: d.transformOf! }));
    facts.documents = documents.map((d) => d.uniqueId);
    if (documents.length === 0 && warnings.length > 0) return fail({ ...warnings[0]!, severity: "error" });
    return succeed<QueryResult>({ kind, patient, documents, transforms }, warnings);
  });
}
