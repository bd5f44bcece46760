// Country B use cases (issue 6): our clinician asks the visitor's country, through the exchange queue.
//   discover   XCPD ITI-55 with the HCP assertion        -> the partner's patients (EHDSI-11)
//   list       XCA ITI-38 with HCP + TRC                 -> PS / eP entries (EHDSI-21 / 31)
//   retrieve   XCA ITI-39 with HCP + TRC                 -> the pivot, its seal verified against the
//              partner's signing trust, about the patient asked (4206 otherwise), translated into the
//              clinician's language (EHDSI-94) and rendered as HTML (EHDSI-22 / 32)
//   dispense   XDR ITI-41 of the eDispensation we build for a foreign eP (dispense.ts, EHDSI-41)
import type { Identifier } from "../canonical/model";
import { parseDocumentHeader, type ParsedDocumentHeader } from "../documents/cda/parse";
import { translateCda } from "../documents/cda/translate";
import { renderClinicalDocumentHtml } from "../documents/html/render";
import type { ExchangeDocumentClass, XcaQueryPayload, XcaRetrievePayload, XcpdDiscoverPayload } from "../exchange/queue/jobs";
import { ErrorCode, PasserelleError } from "../shared/errors";
import { verifyDocument } from "../signing/verify";
import { formatCx } from "../soap/cx";
import { discoverPatients, findDocuments, retrieveDocument, type InitiatorCall } from "../soap/client/initiators";
import { DocCodes } from "../soap/namespaces";
import { issueAssertions } from "./assertions";
import { audited } from "./audited";
import type { CountryBDeps, ExchangeRun } from "./deps";
import type { DiscoverResult, ListDocumentsResult, RetrieveDocumentResult } from "./results";

export function cxOf(id: Identifier): string {
  return formatCx({ id: id.value, oid: id.system.replace(/^urn:oid:/, "") });
}

export function initiatorCall(deps: CountryBDeps, run: ExchangeRun, country: string, assertions: readonly string[], t: keyof NonNullable<CountryBDeps["timeoutsMs"]>): InitiatorCall {
  const timeoutMs = deps.timeoutsMs?.[t];
  return { country, assertions, exchangeId: run.exchangeId, traceId: run.traceId, ...(run.signal ? { signal: run.signal } : {}), ...(timeoutMs ? { timeoutMs } : {}) };
}

function ourOid(deps: CountryBDeps): string {
  return deps.homeCommunityId.replace(/^urn:oid:/, "");
}

export async function discoverPatient(deps: CountryBDeps, run: ExchangeRun, job: XcpdDiscoverPayload): Promise<DiscoverResult> {
  const assertions = await issueAssertions(deps, run, job.country, job.requester);
  return audited(deps, run, { type: "EHDSI-11", who: assertions.who, ...(job.identifiers[0] ? { patientId: cxOf(job.identifiers[0]) } : {}) }, async () => {
    const patients = await discoverPatients(deps.connection, initiatorCall(deps, run, job.country, assertions.xml, "xcpd"), {
      senderDeviceId: ourOid(deps),
      ids: job.identifiers.map((i) => ({ root: i.system.replace(/^urn:oid:/, ""), extension: i.value })),
      ...(job.demographics ? { demographics: job.demographics } : {}),
      now: deps.clock(),
    });
    return { patients };
  });
}

const LIST_EVENT = { ps: "EHDSI-21", ep: "EHDSI-31" } as const;
const RETRIEVE_EVENT = { ps: "EHDSI-22", ep: "EHDSI-32" } as const;
const CLASS_CODE: Record<ExchangeDocumentClass, string> = { ps: DocCodes.psClass, ep: DocCodes.epClass };

export async function listDocuments(deps: CountryBDeps, run: ExchangeRun, job: XcaQueryPayload): Promise<ListDocumentsResult> {
  const patientCx = cxOf(job.patientId);
  const assertions = await issueAssertions(deps, run, job.country, job.requester, patientCx);
  return audited(deps, run, { type: LIST_EVENT[job.documentClass], who: assertions.who, patientId: patientCx }, async (facts) => {
    const documents = await findDocuments(deps.connection, initiatorCall(deps, run, job.country, assertions.xml, "xcaQuery"), {
      patient: { id: job.patientId.value, oid: job.patientId.system.replace(/^urn:oid:/, "") },
      documentClass: job.documentClass,
    });
    facts.documentIds = documents.map((d) => d.documentUniqueId);
    return { documents };
  });
}

const rootOf = (i: Identifier) => i.system.replace(/^urn:oid:/, "");

/**
 * Is the document (its recordTarget ids) about the patient asked? Yes when it carries the asked id
 * (same domain, same value). A partner may identify the patient in its documents under its national
 * domain while XCPD announced its eHDSI domain (LU does: matricule under 1.3.182.4.4 in the document,
 * under 1.3.182.2.12.10000734.6.1 in XCPD); the same value under another domain is then accepted,
 * unless the document also names someone else in the asked domain (a conflict is never resolved by
 * guessing).
 */
export function aboutPatient(documentIds: readonly Identifier[], asked: Identifier): boolean {
  const sameDomain = documentIds.filter((i) => rootOf(i) === rootOf(asked));
  if (sameDomain.length > 0) return sameDomain.some((i) => i.value === asked.value);
  return documentIds.some((i) => i.value === asked.value);
}

/** A retrieved pivot whose seal verified and whose patient and class are the ones asked for. */
export interface VerifiedDocument {
  readonly xml: string;
  readonly header: ParsedDocumentHeader;
}

/**
 * Retrieves one document and accepts it only when (a) its seal verifies against the partner's
 * signing trust (REFERENCE.md "Signature": the pivot is sealed by country A), (b) its recordTarget
 * carries the patient asked for (4206 otherwise: never show a clinician another patient's data),
 * (c) its class is the one asked for.
 */
export async function retrieveVerified(deps: CountryBDeps, call: InitiatorCall, q: { patientId: Identifier; documentClass: ExchangeDocumentClass; homeCommunityId: string; repositoryUniqueId: string; documentUniqueId: string }): Promise<VerifiedDocument> {
  const got = await retrieveDocument(deps.connection, call, q);
  const xml = got.content.toString("utf8");
  const partner = deps.connection.registry.get(call.country);
  if (!partner) throw new PasserelleError(ErrorCode.NotFound, `partner ${call.country} is not registered`, { location: call.country });
  verifyDocument(xml, partner.signingTrust, { at: deps.clock() });
  const header = parseDocumentHeader(xml);
  if (!aboutPatient(header.patient.ids, q.patientId)) {
    throw new PasserelleError(ErrorCode.PatientTrcMismatch, `document ${q.documentUniqueId} from ${call.country} is not about patient ${cxOf(q.patientId)}`, { location: "/ClinicalDocument/recordTarget/patientRole/id", documentUniqueId: q.documentUniqueId });
  }
  if (header.code !== CLASS_CODE[q.documentClass]) {
    throw new PasserelleError(ErrorCode.DocumentInvalid, `document ${q.documentUniqueId} is of class ${header.code ?? "(none)"}, not ${CLASS_CODE[q.documentClass]} (${q.documentClass})`, { location: "/ClinicalDocument/code" });
  }
  return { xml, header };
}

export async function retrieveForClinician(deps: CountryBDeps, run: ExchangeRun, job: XcaRetrievePayload): Promise<RetrieveDocumentResult> {
  const patientCx = cxOf(job.patientId);
  const assertions = await issueAssertions(deps, run, job.country, job.requester, patientCx);
  const doc = await audited(deps, run, { type: RETRIEVE_EVENT[job.documentClass], who: assertions.who, patientId: patientCx, documentIds: [job.documentUniqueId] }, () =>
    retrieveVerified(deps, initiatorCall(deps, run, job.country, assertions.xml, "xcaRetrieve"), job),
  );
  const translation = await audited(deps, run, { type: "EHDSI-94", who: assertions.who, patientId: patientCx, documentIds: [job.documentUniqueId] }, async () =>
    translateCda(doc.xml, deps.terminology, job.language),
  );
  return {
    documentUniqueId: job.documentUniqueId,
    pivotXml: doc.xml,
    language: job.language,
    translatedXml: translation.xml,
    html: renderClinicalDocumentHtml(translation.xml, { language: job.language }),
  };
}
