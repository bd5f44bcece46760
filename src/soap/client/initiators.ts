// The four country-B transactions (issue 6 "SOAP client"): XCPD ITI-55, XCA ITI-38 / ITI-39, XDR
// ITI-41, each sent with the HCP (and TRC) assertions over mutual TLS (transport.ts) and its answer
// read into a typed result; the partner's eHDSI errors become BusinessError (partner-errors.ts).
//
// Timeouts (per transaction, constants overridable by the caller): patient discovery is interactive
// and short; a retrieve carries a document (PDF L1 up to megabytes) and gets longer.
// Resending (see README.md): only XCPD refuses an automatic resend once the request has left.
import type { Gender, Identifier, Patient } from "../../canonical/model";
import { tsToIso } from "../../documents/cda/cda-reader";
import type { ListedDocument, ExchangeDocumentClass } from "../../exchange/queue/jobs";
import { ErrorCode, PasserelleError } from "../../shared/errors";
import type { PatientCx } from "../cx";
import type { MimePart } from "../mtom";
import { Actions, DocCodes } from "../namespaces";
import { buildFindDocumentsQuery, parseAdhocQueryResponse } from "../xca/messages";
import { buildRetrieveRequest, parseRetrieveResponse } from "../xca/retrieve";
import { buildXcpdQuery, parseXcpdResponse, type XcpdQueryInput } from "../xcpd/messages";
import { buildProvideAndRegister, parseRegistryResponse, type ProvideAndRegisterInput } from "../xdr/messages";
import { partnerBusinessError, registryErrorItems, xcpdErrorItems } from "./partner-errors";
import { callPartner, type PartnerConnection, type SoapCall } from "./transport";

export const TRANSACTION_TIMEOUTS_MS = { xcpd: 15_000, xcaQuery: 30_000, xcaRetrieve: 90_000, xdr: 60_000 } as const;
export type TimedTransaction = keyof typeof TRANSACTION_TIMEOUTS_MS;

/** Who sends, with which assertions, for which exchange (common to the four transactions). */
export interface InitiatorCall {
  readonly country: string;
  /** Signed assertions for wsse:Security: the HCP assertion, then the TRC one (not for XCPD). */
  readonly assertions: readonly string[];
  readonly exchangeId: string;
  readonly traceId?: string;
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
}

function soapCall(c: InitiatorCall, t: TimedTransaction, fields: Pick<SoapCall, "service" | "action" | "responseAction" | "body" | "attachments" | "mtom" | "resendAfterSent">): SoapCall {
  return {
    ...fields,
    country: c.country,
    signedAssertions: c.assertions,
    timeoutMs: c.timeoutMs ?? TRANSACTION_TIMEOUTS_MS[t],
    exchangeId: c.exchangeId,
    ...(c.traceId ? { traceId: c.traceId } : {}),
    ...(c.signal ? { signal: c.signal } : {}),
  };
}

function partnerOid(conn: PartnerConnection, country: string): string {
  const hci = conn.registry.get(country)?.partner.homeCommunityId;
  if (!hci) throw new PasserelleError(ErrorCode.NotFound, `partner ${country} is not registered`, { location: country });
  return hci.replace(/^urn:oid:/, "");
}

// ---- XCPD ITI-55 ------------------------------------------------------------------------------------

const GENDER: Record<string, Gender> = { M: "male", F: "female", UN: "other" };

/**
 * Patient discovery. The answer OK lists the patients; NF (no match, or not shared) is an empty list;
 * AE (or an acknowledgementDetail error) is the partner's BusinessError.
 * XCPD is not resent blindly once sent (README.md).
 */
export async function discoverPatients(conn: PartnerConnection, c: InitiatorCall, q: Omit<XcpdQueryInput, "receiverDeviceId" | "now"> & { now?: Date }): Promise<Patient[]> {
  const body = buildXcpdQuery({ ...q, receiverDeviceId: partnerOid(conn, c.country), now: q.now ?? new Date() });
  const reply = await callPartner(conn, soapCall(c, "xcpd", { service: "xcpd", action: Actions.xcpd.request, responseAction: Actions.xcpd.response, body, resendAfterSent: false }));
  const answer = parseXcpdResponse(reply.body);
  const errors = xcpdErrorItems(answer);
  if (answer.acknowledgement === "AE" || answer.queryResponseCode === "AE" || answer.queryResponseCode === "QE" || (answer.queryResponseCode !== "OK" && errors.length > 0)) {
    throw partnerBusinessError(c.country, "XCPD", errors);
  }
  if (answer.queryResponseCode !== "OK") return [];
  return answer.patients.map((p, i) => ({
    ids: p.ids.filter((id) => id.extension).map((id): Identifier => ({ system: id.root, value: id.extension! })),
    names: p.names,
    gender: (p.gender && GENDER[p.gender]) || "unknown",
    ...(p.birthTime ? { birthDate: tsToIso(p.birthTime, ErrorCode.InputInvalid, `XCPD answer patient[${i + 1}]/birthTime`) } : {}),
    addresses: p.addresses,
    telecom: [],
    languages: [],
    contacts: [],
  }));
}

// ---- XCA ITI-38 -------------------------------------------------------------------------------------

const CLASS_CODES: Record<ExchangeDocumentClass, string> = { ps: DocCodes.psClass, ep: DocCodes.epClass };

/** The PS / eP documents the partner lists for the patient (FindDocuments, LeafClass). */
export async function findDocuments(conn: PartnerConnection, c: InitiatorCall, q: { patient: PatientCx; documentClass: ExchangeDocumentClass }): Promise<ListedDocument[]> {
  const home = conn.registry.get(c.country)?.partner.homeCommunityId;
  const body = buildFindDocumentsQuery({ patient: q.patient, classCodes: [CLASS_CODES[q.documentClass]], ...(home ? { homeCommunityId: home } : {}) });
  const reply = await callPartner(conn, soapCall(c, "xcaQuery", { service: "xca", action: Actions.xcaQuery.request, responseAction: Actions.xcaQuery.response, body, resendAfterSent: true }));
  const answer = parseAdhocQueryResponse(reply.body);
  if (answer.status === "failure") throw partnerBusinessError(c.country, "XCA query", registryErrorItems(answer.errors));
  return answer.entries.flatMap((e, i): ListedDocument[] => {
    const documentClass = (Object.keys(CLASS_CODES) as ExchangeDocumentClass[]).find((k) => CLASS_CODES[k] === e.classCode);
    const repositoryUniqueId = e.slots.get("repositoryUniqueId")?.[0];
    if (!documentClass || !e.uniqueId || !repositoryUniqueId) return [];
    const created = e.slots.get("creationTime")?.[0];
    return [
      {
        homeCommunityId: e.home ?? home ?? "",
        repositoryUniqueId,
        documentUniqueId: e.uniqueId,
        documentClass,
        level: e.formatCode === DocCodes.pdfFormat ? "L1" : "L3",
        ...(e.title ? { title: e.title } : {}),
        ...(created ? { createdAt: tsToIso(created, ErrorCode.InputInvalid, `XCA answer ExtrinsicObject[${i + 1}]/creationTime`) } : {}),
      },
    ];
  });
}

// ---- XCA ITI-39 -------------------------------------------------------------------------------------

export interface RetrievedContent {
  readonly documentUniqueId: string;
  readonly mimeType: string;
  readonly content: Buffer;
  readonly mtom: boolean;
}

/** One document; MTOM asked (the answer may come MTOM or inline, both are read). */
export async function retrieveDocument(conn: PartnerConnection, c: InitiatorCall, q: { homeCommunityId: string; repositoryUniqueId: string; documentUniqueId: string }): Promise<RetrievedContent> {
  const body = buildRetrieveRequest([q]);
  const reply = await callPartner(conn, soapCall(c, "xcaRetrieve", { service: "xca", action: Actions.xcaRetrieve.request, responseAction: Actions.xcaRetrieve.response, body, mtom: true, resendAfterSent: true }));
  const answer = parseRetrieveResponse(reply.body, reply.attachments as Map<string, MimePart>);
  const document = answer.documents.find((d) => d.documentUniqueId === q.documentUniqueId);
  if (answer.status === "failure" || !document) {
    const items = registryErrorItems(answer.errors);
    if (items.length > 0) throw partnerBusinessError(c.country, "XCA retrieve", items);
    throw new PasserelleError(ErrorCode.InputInvalid, `partner ${c.country} XCA retrieve: document ${q.documentUniqueId} is not in the answer`, { partner: c.country, reason: "answer" });
  }
  return { documentUniqueId: document.documentUniqueId, mimeType: document.mimeType, content: document.content, mtom: reply.mtom };
}

// ---- XDR ITI-41 -------------------------------------------------------------------------------------

/**
 * Submits one eDispensation (or its discard). A resend after a lost answer is safe: the document keeps
 * its unique id, and the partner treats a document it already has as done (IHE ITI-41 DocumentEntry
 * uniqueId; country A answers a resubmission with Success).
 */
export async function submitDocument(conn: PartnerConnection, c: InitiatorCall, s: Omit<ProvideAndRegisterInput, "mtom" | "now"> & { now?: Date; mtom?: boolean }): Promise<"success" | "partial-success"> {
  const mtom = s.mtom ?? true;
  const { body, attachments } = buildProvideAndRegister({ ...s, mtom, now: s.now ?? new Date() });
  const reply = await callPartner(conn, soapCall(c, "xdr", { service: "xdr", action: Actions.xdr.request, responseAction: Actions.xdr.response, body, attachments, mtom, resendAfterSent: true }));
  const answer = parseRegistryResponse(reply.body);
  if (answer.status === "failure") throw partnerBusinessError(c.country, "XDR", registryErrorItems(answer.errors));
  return answer.status === "partialSuccess" ? "partial-success" : "success";
}
