// POST /ncp/xca of country A: a thin adapter for Cross Gateway Query (ITI-38) and Retrieve (ITI-39),
// chosen by the WS-Addressing Action. Query: FindDocuments read by the codec (messages.ts), the
// assertions validated for the service the class code names (ps / ep, TRC bound to the query's
// patient), queryDocuments, the AdhocQueryResponse with an L3 and an L1 entry per document linked by
// XFRM. Retrieve: the documents' kind and patient from the index of documents offered, assertions
// validated for that service (TRC patient = the documents' patient), retrieveDocuments, the
// RetrieveDocumentSetResponse — MTOM when the request was (retrieve.ts). Refusals are RegistryErrors.
import type { EhdsiError } from "../../country-a/errors";
import { EhdsiErrors } from "../../country-a/errors";
import { validateRequest, type CountryAResponders } from "../../country-a/inbound";
import { patientRefOfCx } from "../../country-a/patient-id";
import type { OfferedDocument } from "../../country-a/document-source";
import { kindOfClassCodes, queryDocuments } from "../../country-a/query-documents";
import { retrieveDocuments, retrieveTargets } from "../../country-a/retrieve-document";
import { formatCx } from "../cx";
import { Actions } from "../namespaces";
import type { RegistryErrorInput } from "../rim";
import type { Responder, ResponderAnswer } from "../router";
import { buildAdhocQueryResponse, parseFindDocuments, type DocumentEntry } from "./messages";
import { buildRetrieveResponse, parseRetrieveRequest } from "./retrieve";

export function registryError(e: EhdsiError): RegistryErrorInput {
  return { errorCode: e.errorCode, codeContext: e.context, severity: e.severity, ...(e.location ? { location: e.location } : {}) };
}

const COUNTRY_NAMES: Record<string, string> = { LU: "Luxembourg" };

function entryOf(d: OfferedDocument, r: CountryAResponders, patient: { id: string; oid: string }): DocumentEntry {
  const country = r.ports.documents.context.country;
  const p = d.prescription;
  const first = <T>(list: readonly T[] | undefined) => list?.[0];
  const atc = first(p?.atc);
  const form = first(p?.doseForms);
  const subst = first(p?.substitution);
  return {
    uniqueId: d.uniqueId,
    kind: d.kind,
    level: d.level,
    patient,
    homeCommunityId: r.homeCommunityId,
    repositoryUniqueId: r.repositoryUniqueId,
    title: d.level === "L1" ? `${d.title} (PDF)` : d.title,
    creationTime: d.creationTime.toISOString(),
    language: d.languageCode,
    size: d.size,
    hash: d.hash,
    facility: { code: country, display: COUNTRY_NAMES[country] ?? country },
    ...(p
      ? {
          ep: {
            status: p.dispensable ? "open" : "closed",
            ...(atc ? { atc: { code: atc.code, display: atc.display ?? atc.code } } : {}),
            ...(form ? { doseForm: { code: form.code, display: form.display ?? form.code } } : {}),
            ...(p.strengths[0] ? { strength: p.strengths[0] } : {}),
            ...(subst ? { substitution: { code: subst, display: subst === "N" ? "none" : "equivalent" } } : {}),
          },
        }
      : {}),
  };
}

function queryResponder(r: CountryAResponders): Responder {
  return async (x): Promise<ResponderAnswer> => {
    const query = parseFindDocuments(x.request.body);
    const patientCx = formatCx(query.patient);
    const classCodes = query.classCodes.map((c) => c.code);
    const kind = kindOfClassCodes(classCodes) ?? (classCodes.includes("57833-6") ? "ep" : "ps");
    const answer = (entries: DocumentEntry[], transforms: { l1UniqueId: string; l3UniqueId: string }[], errors: readonly EhdsiError[]): ResponderAnswer => ({
      action: Actions.xcaQuery.response,
      body: buildAdhocQueryResponse({ returnType: query.returnType, entries, transforms, errors: errors.map(registryError) }),
    });
    const validation = await validateRequest(r, { envelope: x.envelope, country: x.peer.partner.country, messageId: x.request.addressing.messageId, exchangeId: x.exchangeId, security: x.request.security }, kind, kind === "ep" ? "EHDSI-31" : "EHDSI-21", { cx: patientCx });
    if (!validation.ok) return answer([], [], [validation.error]);
    if (query.homeCommunityId !== undefined && query.homeCommunityId !== r.homeCommunityId) {
      return answer([], [], [EhdsiErrors.badRequest(`home community ${query.homeCommunityId} is not this gateway's (${r.homeCommunityId})`, "AdhocQuery/@home")]);
    }
    const result = await queryDocuments(r.ports, validation.requester, { patientId: patientCx, classCodes });
    if (!result.ok) return answer([], [], [result.error]);
    const entries = result.value.documents.map((d) => entryOf(d, r, query.patient));
    return answer(entries, result.value.transforms.map((t) => ({ l1UniqueId: t.source, l3UniqueId: t.target })), result.warnings);
  };
}

function retrieveResponder(r: CountryAResponders): Responder {
  return async (x): Promise<ResponderAnswer> => {
    const requests = parseRetrieveRequest(x.request.body);
    const mtom = x.transport.mtom;
    const answer = (documents: OfferedDocument[], errors: readonly EhdsiError[]): ResponderAnswer => {
      const built = buildRetrieveResponse({
        mtom,
        errors: errors.map(registryError),
        documents: documents.map((d) => ({ homeCommunityId: r.homeCommunityId, repositoryUniqueId: r.repositoryUniqueId, documentUniqueId: d.uniqueId, mimeType: "text/xml", content: d.bytes })),
      });
      return { action: Actions.xcaRetrieve.response, body: built.body, ...(mtom ? { attachments: built.attachments } : {}) };
    };
    const foreign: EhdsiError[] = [];
    const ours = requests.filter((q) => {
      const ok = q.repositoryUniqueId === r.repositoryUniqueId && (q.homeCommunityId === undefined || q.homeCommunityId === r.homeCommunityId);
      if (!ok) foreign.push({ ...EhdsiErrors.documentMissing(q.documentUniqueId), errorCode: "XDSUnknownRepositoryId" });
      return ok;
    });
    const targets = await retrieveTargets(r.ports, ours.map((q) => q.documentUniqueId));
    const kind = targets.find((t) => t.offered)?.offered?.kind ?? "ps";
    const validation = await validateRequest(r, { envelope: x.envelope, country: x.peer.partner.country, messageId: x.request.addressing.messageId, exchangeId: x.exchangeId, security: x.request.security }, kind, kind === "ep" ? "EHDSI-32" : "EHDSI-22", { skipPatientCheck: true });
    if (!validation.ok) return answer([], [validation.error]);
    // The TRC names the patient; documents of anybody else are missing to this requester.
    const trcPatient = validation.requester.assertions.trc?.patientId;
    const patient = trcPatient ? patientRefOfCx(trcPatient, r.ports.domains) : undefined;
    if (!patient) return answer([], [EhdsiErrors.patientIdUnknownDomain(trcPatient ?? "(no TRC)"), ...foreign]);
    if (targets.length === 0) return answer([], foreign);
    const result = await retrieveDocuments(r.ports, validation.requester, patient, targets);
    if (!result.ok) return answer([], [result.error, ...foreign]);
    return answer([...result.value.documents], [...result.value.errors, ...foreign]);
  };
}

export function xcaResponders(r: CountryAResponders): Record<string, Responder> {
  return { [Actions.xcaQuery.request]: queryResponder(r), [Actions.xcaRetrieve.request]: retrieveResponder(r) };
}
