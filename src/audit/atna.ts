// ATNA-style export of audit events: one RFC 3881 / DICOM AuditMessage per event, shaped like the eHDSI
// samples (ehdsi/audit/*.xml): EventIdentification (EventID from DICOM, EventTypeCode with the eHDSI
// event id and the IHE transaction), ActiveParticipant (the requesting HCP, the service consumer and
// provider gateways), AuditSourceIdentification (our gateway), ParticipantObjectIdentification (the
// patient, each document, the exchange). RFC 3881 §5.1.4: EventOutcomeIndicator 0 success,
// 4 minor failure (a request refused with an error code), 8 serious failure.
import { el, serialize, type XElement } from "../shared/xml";
import type { AuditEvent, AuditEventType } from "./event";

export interface AtnaSource {
  /** Our home community id, urn:oid:... */
  readonly homeCommunityId: string;
  /** Our country (ISO 3166-1 alpha-2): the enterprise site. */
  readonly country: string;
}

interface Coded {
  code: string;
  system: string;
  display: string;
}

interface EventCoding {
  /** DICOM EventID (DCM, PS3.16 CID 400). */
  eventId: Coded;
  /** RFC 3881 EventActionCode: C create, R read, U update, D delete, E execute. */
  action: "C" | "R" | "U" | "D" | "E";
  /** The IHE transaction, when there is one. */
  transaction?: Coded;
  display: string;
}

const DCM = "DCM";
const IHE = "IHE Transactions";
const query: Coded = { code: "110112", system: DCM, display: "Query" };
const exportCode: Coded = { code: "110106", system: DCM, display: "Export" };
const importCode: Coded = { code: "110107", system: DCM, display: "Import" };
const login: Coded = { code: "110114", system: DCM, display: "User Authentication" };
const security: Coded = { code: "110113", system: DCM, display: "Security Alert" };
const patientRecord: Coded = { code: "110110", system: DCM, display: "Patient Record" };
const iti = (n: string, display: string): Coded => ({ code: `ITI-${n}`, system: IHE, display });

const CODING: Record<AuditEventType, EventCoding> = {
  "EHDSI-11": { eventId: query, action: "E", transaction: iti("55", "Cross Gateway Patient Discovery"), display: "IdentificationService::FindIdentityByTraits" },
  "EHDSI-21": { eventId: query, action: "E", transaction: iti("38", "Cross Gateway Query"), display: "PatientService::List" },
  "EHDSI-22": { eventId: exportCode, action: "R", transaction: iti("39", "Cross Gateway Retrieve"), display: "PatientService::Retrieve" },
  "EHDSI-31": { eventId: query, action: "E", transaction: iti("38", "Cross Gateway Query"), display: "OrderService::List" },
  "EHDSI-32": { eventId: exportCode, action: "R", transaction: iti("39", "Cross Gateway Retrieve"), display: "OrderService::Retrieve" },
  "EHDSI-41": { eventId: importCode, action: "C", transaction: iti("41", "Provide and Register Document Set-b"), display: "DispensationService::Initialize" },
  "EHDSI-42": { eventId: importCode, action: "D", transaction: iti("41", "Provide and Register Document Set-b"), display: "DispensationService::Discard" },
  "EHDSI-91": { eventId: login, action: "E", display: "ncp::HcpAuthentication" },
  "EHDSI-92": { eventId: query, action: "E", display: "ncp::TrcAssertion" },
  "EHDSI-94": { eventId: exportCode, action: "E", display: "ncp::PivotTranslation" },
  "EHDSI-CF": { eventId: security, action: "E", display: "ncp::CommunicationFailure" },
  "CONSENT-DECISION": { eventId: query, action: "E", display: "passerelle::ConsentDecision" },
  "CONSENT-CHANGE": { eventId: patientRecord, action: "U", display: "passerelle::ConsentChange" },
  "CONSENT-IMPORT": { eventId: patientRecord, action: "C", display: "passerelle::ConsentImport" },
  "ASSERTION-REFUSED": { eventId: security, action: "E", display: "passerelle::AssertionRefused" },
  // A refused national credential, a missing scope or a rate limit: a Security Alert, as a refused assertion.
  "NATIONAL-CLIENT-REFUSED": { eventId: security, action: "E", display: "passerelle::NationalClientRefused" },
  // DICOM PS3.15 A.5.3: an operator re-running a transaction is the use of a restricted function,
  // reported as a Security Alert; the operator is the requesting ActiveParticipant.
  "OPERATOR-ACTION": { eventId: security, action: "E", display: "passerelle::OperatorAction" },
  // DICOM PS3.15 A.5.3.12 User Authentication (as EHDSI-91): success or failure of the console login.
  "OPERATOR-LOGIN": { eventId: login, action: "E", display: "passerelle::OperatorLogin" },
};

function code(name: string, c: Coded, originalText = c.display): XElement {
  return el(name, { "csd-code": c.code, codeSystemName: c.system, displayName: c.display, originalText });
}

function outcomeIndicator(e: AuditEvent): number {
  if (e.outcome === "success") return 0;
  return e.errorCode !== undefined ? 4 : 8;
}

const base64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

/** The AuditMessage of one event. */
export function auditMessage(e: AuditEvent, source: AtnaSource): XElement {
  const coding = CODING[e.type];
  const inbound = e.direction !== "outbound";
  const partner = e.who?.homeCommunityId ?? (e.who?.partnerCountry ? `country:${e.who.partnerCountry}` : undefined);
  // Inbound (we are country A): the partner consumes, we provide. Outbound: the other way round.
  const consumer = inbound ? partner : source.homeCommunityId;
  const provider = inbound ? source.homeCommunityId : partner;
  return el(
    "AuditMessage",
    {},
    el(
      "EventIdentification",
      { EventActionCode: coding.action, EventDateTime: e.time, EventOutcomeIndicator: outcomeIndicator(e) },
      code("EventID", coding.eventId),
      el("EventTypeCode", { "csd-code": e.type, codeSystemName: IHE, displayName: coding.display, originalText: coding.display }),
      coding.transaction && code("EventTypeCode", coding.transaction),
      e.errorCode !== undefined && el("EventOutcomeDescription", {}, e.errorCode),
    ),
    (e.who?.hcpId ?? e.who?.userId) !== undefined &&
      el(
        "ActiveParticipant",
        { UserID: e.who?.hcpId ?? e.who?.userId, AlternativeUserID: e.who?.organisationId ?? e.who?.organisation, UserName: e.who?.organisation, UserIsRequestor: "true" },
        e.who?.role !== undefined && el("RoleIDCode", { "csd-code": e.who.role, codeSystemName: "eHDSI Functional Role", displayName: e.who.role, originalText: e.who.role }),
      ),
    consumer !== undefined &&
      el(
        "ActiveParticipant",
        { UserID: consumer, UserIsRequestor: "true" },
        el("RoleIDCode", { "csd-code": "ServiceConsumer", codeSystemName: "eHealth DSI", displayName: "eHealth DSI Service Consumer", originalText: "eHealth DSI Service Consumer" }),
      ),
    provider !== undefined &&
      el(
        "ActiveParticipant",
        { UserID: provider, UserIsRequestor: "false" },
        el("RoleIDCode", { "csd-code": "ServiceProvider", codeSystemName: "eHealth DSI", displayName: "eHealth DSI Service Provider", originalText: "eHealth DSI Service Provider" }),
      ),
    el("AuditSourceIdentification", { AuditEnterpriseSiteID: source.country, AuditSourceID: source.homeCommunityId }, el("AuditSourceTypeCode", { "csd-code": "4" })),
    e.patientId !== undefined &&
      el(
        "ParticipantObjectIdentification",
        { ParticipantObjectID: e.patientId, ParticipantObjectTypeCode: 1, ParticipantObjectTypeCodeRole: 1 },
        el("ParticipantObjectIDTypeCode", { "csd-code": "2", codeSystemName: "RFC-3881", displayName: "Patient Number", originalText: "Patient Number" }),
      ),
    (e.documentIds ?? []).map((id) =>
      el(
        "ParticipantObjectIdentification",
        { ParticipantObjectID: id, ParticipantObjectTypeCode: 2, ParticipantObjectTypeCodeRole: 3 },
        el("ParticipantObjectIDTypeCode", { "csd-code": "9", codeSystemName: "RFC-3881", displayName: "Report Number", originalText: "Document Unique Id" }),
      ),
    ),
    (e.exchangeId ?? e.traceId) !== undefined &&
      el(
        "ParticipantObjectIdentification",
        { ParticipantObjectID: e.exchangeId ?? e.traceId, ParticipantObjectTypeCode: 2, ParticipantObjectTypeCodeRole: 4 },
        el("ParticipantObjectIDTypeCode", { "csd-code": coding.transaction?.code ?? e.type, codeSystemName: coding.transaction ? IHE : "eHealth DSI", displayName: coding.display, originalText: coding.display }),
        e.who?.homeCommunityId !== undefined && el("ParticipantObjectDetail", { type: "ihe:homeCommunityID", value: base64(e.who.homeCommunityId) }),
        e.traceId !== undefined && el("ParticipantObjectDetail", { type: "passerelle:traceId", value: base64(e.traceId) }),
        el("ParticipantObjectDetail", { type: "passerelle:auditSeq", value: base64(String(e.seq)) }),
      ),
  );
}

export const ATNA_ROOT_OPEN = '<?xml version="1.0" encoding="UTF-8"?>\n<AuditMessages>';
export const ATNA_ROOT_CLOSE = "</AuditMessages>";

/** The AuditMessage of one event as text, for a streamed export between ATNA_ROOT_OPEN and ATNA_ROOT_CLOSE. */
export function auditMessageXml(e: AuditEvent, source: AtnaSource): string {
  return serialize(auditMessage(e, source), { declaration: false, indent: true });
}
