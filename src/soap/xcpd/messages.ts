// XCPD (IHE ITI-55 Cross Gateway Patient Discovery) as eHDSI profiles it (REFERENCE.md "XCPD"):
// reading a PRPA_IN201305UV02 query and writing the PRPA_IN201306UV02 answer — OK with the patient,
// NF + AA + AnswerNotAvailable, AE with acknowledgementDetail and reasonOf/detectedIssueEvent codes —
// and reading such an answer back (country B, and our round-trip tests).
import type { Element } from "@xmldom/xmldom";
import { randomUUID } from "node:crypto";
import type { Address, Gender, HumanName, Identifier, Patient } from "../../canonical/model";
import { readAddress, readName } from "../../documents/cda/cda-reader";
import { address, instantTs, personName, toTs } from "../../documents/cda/datatypes";
import { el, type XChild, type XElement } from "../../shared/xml";
import { HL7_NS, XSI_NS } from "../namespaces";
import { attrOf, childElements, onlyChild, optionalChild, qname, readFailure, requiredAttr } from "../xml-read";

export interface InstanceId {
  root: string;
  extension?: string;
}

export interface XcpdQuery {
  messageId: InstanceId;
  creationTime: string | undefined;
  /** sender/device/id/@root: the initiating gateway. */
  senderDeviceId: string | undefined;
  receiverDeviceId: string | undefined;
  queryId: InstanceId;
  /** livingSubjectId/value: root = assigning authority OID, extension = the identifier. */
  livingSubjectIds: Array<{ root: string; extension: string }>;
  /** The demographic parameters, when given. */
  demographics: {
    names: HumanName[];
    birthTime: string | undefined;
    gender: string | undefined;
    addresses: Address[];
  };
  /** True when the query carries any demographic parameter. */
  hasDemographics: boolean;
}

const V3 = HL7_NS;

function instanceId(e: Element, where: string): InstanceId {
  const root = requiredAttr(e, "root", where);
  const extension = attrOf(e, "extension");
  return extension === undefined ? { root } : { root, extension };
}

function deviceId(message: Element, role: "sender" | "receiver"): string | undefined {
  const party = childElements(message, V3, role)[0];
  const device = party ? childElements(party, V3, "device")[0] : undefined;
  return attrOf(device ? childElements(device, V3, "id")[0] : undefined, "root");
}

function params(list: Element, local: string): Element[] {
  return childElements(list, V3, local).flatMap((p) => childElements(p, V3, "value"));
}

/** Read a PRPA_IN201305UV02 (the Body's message element, or a bare sample document's root). */
export function parseXcpdQuery(message: Element): XcpdQuery {
  if (message.namespaceURI !== V3 || message.localName !== "PRPA_IN201305UV02") {
    throw readFailure("structure", `expected {${V3}}PRPA_IN201305UV02, found ${qname(message)}`, "/");
  }
  const where = "/PRPA_IN201305UV02";
  const messageId = instanceId(onlyChild(message, V3, "id", where), `${where}/id`);
  const control = onlyChild(message, V3, "controlActProcess", where);
  const query = onlyChild(control, V3, "queryByParameter", `${where}/controlActProcess`);
  const qWhere = `${where}/controlActProcess/queryByParameter`;
  const queryId = instanceId(onlyChild(query, V3, "queryId", qWhere), `${qWhere}/queryId`);
  const list = onlyChild(query, V3, "parameterList", qWhere);
  const livingSubjectIds = params(list, "livingSubjectId").map((v, i) => {
    const at = `${qWhere}/parameterList/livingSubjectId[${i + 1}]/value`;
    const root = requiredAttr(v, "root", at);
    const extension = requiredAttr(v, "extension", at);
    return { root, extension };
  });
  const names = params(list, "livingSubjectName").map((v) => readName(v)).filter((n): n is HumanName => !!n);
  const addresses = params(list, "patientAddress").map((v) => readAddress(v)).filter((a): a is Address => !!a);
  const birthTime = attrOf(params(list, "livingSubjectBirthTime")[0], "value");
  const gender = attrOf(params(list, "livingSubjectAdministrativeGender")[0], "code");
  return {
    messageId,
    creationTime: attrOf(optionalChild(message, V3, "creationTime", where), "value"),
    senderDeviceId: deviceId(message, "sender"),
    receiverDeviceId: deviceId(message, "receiver"),
    queryId,
    livingSubjectIds,
    demographics: { names, birthTime, gender, addresses },
    hasDemographics: names.length > 0 || addresses.length > 0 || birthTime !== undefined || gender !== undefined,
  };
}

// ---- the answer ---------------------------------------------------------------------------------

/** Code systems of detected-issue codes (IHE ITI TF-2b 3.55.4.4.2; eHDSI XCPD profile). */
export const IHE_ISSUE_SYSTEM = "1.3.6.1.4.1.19376.1.2.27.3";
export const EHDSI_ISSUE_SYSTEM = "1.3.6.1.4.1.12559.11.10.1.3.2.2.1";

export const IssueCodes = {
  AnswerNotAvailable: IHE_ISSUE_SYSTEM,
  ResponderBusy: IHE_ISSUE_SYSTEM,
  InternalError: IHE_ISSUE_SYSTEM,
  AdditionalDemographicsRequested: EHDSI_ISSUE_SYSTEM,
  DemographicsQueryNotAllowed: EHDSI_ISSUE_SYSTEM,
  PrivacyViolation: EHDSI_ISSUE_SYSTEM,
  InsufficientRights: EHDSI_ISSUE_SYSTEM,
  PolicyViolation: EHDSI_ISSUE_SYSTEM,
} as const;
export type IssueCode = keyof typeof IssueCodes;

/** acknowledgementDetail: an eHDSI error code (e.g. ERROR_PI_NO_MATCH), its text and location. */
export interface AckDetail {
  code: string;
  codeSystem?: string;
  text?: string;
  location?: string;
  /** E error (default), W warning, I information. */
  typeCode?: "E" | "W" | "I";
}

/** The patient as an XCPD answer shows it: a subset of the canonical Patient. */
export type XcpdPatient = Pick<Patient, "ids" | "names" | "gender" | "birthDate" | "addresses">;

export type XcpdOutcome =
  /** OK + AA with the patients found. */
  | { kind: "found"; patients: XcpdPatient[]; details?: AckDetail[] }
  /** NF + AA + AnswerNotAvailable (no match; a patient without consent is not returned either). */
  | { kind: "not-found"; details?: AckDetail[]; issues?: IssueCode[] }
  /** AE + AE with the issue codes (DemographicsQueryNotAllowed, InsufficientRights, ...). */
  | { kind: "error"; issues: IssueCode[]; details: AckDetail[] };

export interface XcpdAnswerContext {
  query: XcpdQuery;
  /** Our gateway's device id (an OID). */
  ourDeviceId: string;
  /** Our home community id as an OID (custodian; the urn:oid: prefix is removed). */
  homeCommunityOid: string;
  /** The answer's id (default: a fresh UUID root). */
  messageId: InstanceId;
  now: Date;
}

const GENDER: Record<Gender, string | undefined> = { male: "M", female: "F", other: "UN", unknown: undefined };

function iiEl(name: string, id: InstanceId): XElement {
  return el(name, { root: id.root, extension: id.extension });
}

function device(typeCode: "RCV" | "SND", id: string | undefined): XElement {
  return el(typeCode === "RCV" ? "receiver" : "sender", { typeCode }, el("device", { classCode: "DEV", determinerCode: "INSTANCE" }, id ? el("id", { root: id }) : el("id", { nullFlavor: "UNK" })));
}

function patientElement(p: XcpdPatient, custodianOid: string): XElement {
  const gender = GENDER[p.gender];
  const person = el(
    "patientPerson",
    { classCode: "PSN", determinerCode: "INSTANCE" },
    p.names.map((n) => personName(n)),
    gender ? el("administrativeGenderCode", { code: gender, codeSystem: "2.16.840.1.113883.5.1" }) : el("administrativeGenderCode", { nullFlavor: "UNK" }),
    p.birthDate ? el("birthTime", { value: toTs(p.birthDate, "patient/birthTime") }) : undefined,
    p.addresses.map((a) => address(a)),
  );
  return el(
    "subject",
    { typeCode: "SUBJ", contextConductionInd: "false" },
    el(
      "registrationEvent",
      { classCode: "REG", moodCode: "EVN" },
      el("id", { nullFlavor: "NA" }),
      el("statusCode", { code: "active" }),
      el(
        "subject1",
        { typeCode: "SBJ" },
        el(
          "patient",
          { classCode: "PAT" },
          p.ids.map((id: Identifier) => el("id", { root: id.system, extension: id.value })),
          el("statusCode", { code: "active" }),
          person,
          // IHE ITI-55 §3.55.4.2.2.6: the match confidence; identification by identifier is exact.
          el("subjectOf1", {}, el("queryMatchObservation", { classCode: "COND", moodCode: "EVN" }, el("code", { code: "IHE_PDQ" }), el("value", { "xsi:type": "INT", value: "100" }))),
        ),
      ),
      el("custodian", { typeCode: "CST" }, el("assignedEntity", { classCode: "ASSIGNED" }, el("id", { root: custodianOid }), el("code", { code: "NotHealthDataLocator", codeSystem: "1.3.6.1.4.1.19376.1.2.27.2" }))),
    ),
  );
}

function reasonOf(issue: IssueCode): XElement {
  return el(
    "reasonOf",
    { typeCode: "RSON" },
    el(
      "detectedIssueEvent",
      { classCode: "ALRT", moodCode: "EVN" },
      el("code", { code: "ActAdministrativeDetectedIssueCode", codeSystem: "2.16.840.1.113883.5.4" }),
      el("mitigatedBy", { typeCode: "MITGT" }, el("detectedIssueManagement", { classCode: "ACT", moodCode: "EVN" }, el("code", { code: issue, codeSystem: IssueCodes[issue] }))),
    ),
  );
}

function ackDetail(d: AckDetail): XElement {
  return el("acknowledgementDetail", { typeCode: d.typeCode ?? "E" }, el("code", { code: d.code, codeSystem: d.codeSystem }), d.text ? el("text", {}, d.text) : undefined, d.location ? el("location", {}, d.location) : undefined);
}

/** The query echoed in the answer (IHE ITI-55 §3.55.4.4.2: queryByParameter copied from the query). */
function echoQuery(q: XcpdQuery): XElement {
  return el(
    "queryByParameter",
    {},
    iiEl("queryId", q.queryId),
    el("statusCode", { code: "new" }),
    el("responseModalityCode", { code: "R" }),
    el("responsePriorityCode", { code: "I" }),
    el("parameterList", {}, q.livingSubjectIds.map((id) => el("livingSubjectId", {}, el("value", { root: id.root, extension: id.extension }), el("semanticsText", {}, "LivingSubject.id")))),
  );
}

/** The PRPA_IN201306UV02 answer element (the Body's content). */
export function buildXcpdResponse(ctx: XcpdAnswerContext, outcome: XcpdOutcome): XElement {
  const ack = outcome.kind === "error" ? "AE" : "AA";
  const queryResponse = outcome.kind === "found" ? "OK" : outcome.kind === "not-found" ? "NF" : "AE";
  const patients = outcome.kind === "found" ? outcome.patients : [];
  const issues: IssueCode[] = outcome.kind === "found" ? [] : outcome.kind === "not-found" ? (outcome.issues ?? ["AnswerNotAvailable"]) : outcome.issues;
  const details = outcome.details ?? [];
  const children: XChild[] = [
    iiEl("id", ctx.messageId),
    el("creationTime", { value: instantTs(ctx.now) }),
    el("versionCode", { code: "V3PR1" }),
    el("interactionId", { root: "2.16.840.1.113883.1.6", extension: "PRPA_IN201306UV02" }),
    el("processingCode", { code: "P" }),
    el("processingModeCode", { code: "T" }),
    el("acceptAckCode", { code: "NE" }),
    device("RCV", ctx.query.senderDeviceId),
    device("SND", ctx.ourDeviceId),
    el("acknowledgement", {}, el("typeCode", { code: ack }), el("targetMessage", {}, iiEl("id", ctx.query.messageId)), details.map(ackDetail)),
    el(
      "controlActProcess",
      { classCode: "CACT", moodCode: "EVN" },
      el("code", { code: "PRPA_TE201306UV02", codeSystem: "2.16.840.1.113883.1.6" }),
      patients.map((p) => patientElement(p, ctx.homeCommunityOid.replace(/^urn:oid:/, ""))),
      issues.map(reasonOf),
      el(
        "queryAck",
        {},
        iiEl("queryId", ctx.query.queryId),
        el("statusCode", { code: "deliveredResponse" }),
        el("queryResponseCode", { code: queryResponse }),
        el("resultTotalQuantity", { value: patients.length }),
        el("resultCurrentQuantity", { value: patients.length }),
        el("resultRemainingQuantity", { value: 0 }),
      ),
      echoQuery(ctx.query),
    ),
  ];
  return el("PRPA_IN201306UV02", { xmlns: V3, "xmlns:xsi": XSI_NS, ITSVersion: "XML_1.0" }, children);
}

// ---- reading an answer --------------------------------------------------------------------------

export interface XcpdAnswer {
  messageId: InstanceId;
  acknowledgement: string | undefined;
  targetMessageId: InstanceId | undefined;
  queryResponseCode: string | undefined;
  details: AckDetail[];
  issues: Array<{ code: string; codeSystem: string | undefined }>;
  patients: Array<{ ids: InstanceId[]; names: HumanName[]; gender: string | undefined; birthTime: string | undefined; addresses: Address[] }>;
}

/** Read a PRPA_IN201306UV02 (an answer we received, or one of the samples). */
export function parseXcpdResponse(message: Element): XcpdAnswer {
  if (message.namespaceURI !== V3 || message.localName !== "PRPA_IN201306UV02") {
    throw readFailure("structure", `expected {${V3}}PRPA_IN201306UV02, found ${qname(message)}`, "/");
  }
  const where = "/PRPA_IN201306UV02";
  const ack = optionalChild(message, V3, "acknowledgement", where);
  const target = ack ? childElements(ack, V3, "targetMessage")[0] : undefined;
  const targetId = target ? childElements(target, V3, "id")[0] : undefined;
  const control = onlyChild(message, V3, "controlActProcess", where);
  const queryAck = optionalChild(control, V3, "queryAck", `${where}/controlActProcess`);
  const details = (ack ? childElements(ack, V3, "acknowledgementDetail") : []).map((d) => {
    const code = childElements(d, V3, "code")[0];
    const text = childElements(d, V3, "text")[0]?.textContent?.trim();
    const location = childElements(d, V3, "location")[0]?.textContent?.trim();
    const typeCode = attrOf(d, "typeCode") as AckDetail["typeCode"];
    return { code: attrOf(code, "code") ?? "", ...(text ? { text } : {}), ...(location ? { location } : {}), ...(typeCode ? { typeCode } : {}) };
  });
  const issues = childElements(control, V3, "reasonOf").flatMap((r) =>
    Array.from(r.getElementsByTagNameNS(V3, "detectedIssueManagement")).map((m) => {
      const code = childElements(m, V3, "code")[0];
      return { code: attrOf(code, "code") ?? "", codeSystem: attrOf(code, "codeSystem") };
    }),
  );
  const patients = Array.from(control.getElementsByTagNameNS(V3, "patient")).map((p) => {
    const person = childElements(p, V3, "patientPerson")[0];
    const ids = childElements(p, V3, "id").map((i) => ({ root: attrOf(i, "root") ?? "", ...(attrOf(i, "extension") ? { extension: attrOf(i, "extension")! } : {}) }));
    return {
      ids,
      names: person ? childElements(person, V3, "name").map((n) => readName(n)).filter((n): n is HumanName => !!n) : [],
      gender: attrOf(person ? childElements(person, V3, "administrativeGenderCode")[0] : undefined, "code"),
      birthTime: attrOf(person ? childElements(person, V3, "birthTime")[0] : undefined, "value"),
      addresses: person ? childElements(person, V3, "addr").map((a) => readAddress(a)).filter((a): a is Address => !!a) : [],
    };
  });
  return {
    messageId: instanceId(onlyChild(message, V3, "id", where), `${where}/id`),
    acknowledgement: attrOf(ack ? childElements(ack, V3, "typeCode")[0] : undefined, "code"),
    targetMessageId: targetId && attrOf(targetId, "root") ? instanceId(targetId, `${where}/acknowledgement/targetMessage/id`) : undefined,
    queryResponseCode: attrOf(queryAck ? childElements(queryAck, V3, "queryResponseCode")[0] : undefined, "code"),
    details,
    issues,
    patients,
  };
}

// ---- writing a query (country B) ----------------------------------------------------------------

export interface XcpdQueryInput {
  /** Our gateway's OID (sender device, id root of the message). */
  senderDeviceId: string;
  /** The partner gateway's OID (receiver device). */
  receiverDeviceId: string;
  /** livingSubjectId values: root = the partner's patient id domain, extension = the id. */
  ids: ReadonlyArray<{ root: string; extension: string }>;
  demographics?: { givenName?: string; familyName?: string; birthDate?: string; gender?: Gender };
  now: Date;
  /** message id and query id extensions (default: fresh UUIDs). */
  messageIdExtension?: string;
  queryIdExtension?: string;
}

function parameter(local: string, semantics: string, value: XElement): XElement {
  return el(local, {}, value, el("semanticsText", {}, semantics));
}

/**
 * A PRPA_IN201305UV02 (IHE ITI TF-2b 3.55.4.1; eHDSI XCPD profile: the identifiers of the visitor's
 * country, and the demographics that country requires, as parameterList entries in the schema order
 * administrativeGender, birthTime, id, name: PRPA_MT201306UV02.ParameterList).
 */
export function buildXcpdQuery(q: XcpdQueryInput): XElement {
  const d = q.demographics ?? {};
  const gender = d.gender ? GENDER[d.gender] : undefined;
  const name = d.givenName || d.familyName ? el("value", {}, d.givenName ? el("given", {}, d.givenName) : undefined, d.familyName ? el("family", {}, d.familyName) : undefined) : undefined;
  const device = (role: "receiver" | "sender", root: string) =>
    el(role, { typeCode: role === "receiver" ? "RCV" : "SND" }, el("device", { classCode: "DEV", determinerCode: "INSTANCE" }, el("id", { root })));
  return el(
    "PRPA_IN201305UV02",
    { xmlns: V3, "xmlns:xsi": XSI_NS, ITSVersion: "XML_1.0" },
    el("id", { root: q.senderDeviceId, extension: q.messageIdExtension ?? randomUUID() }),
    el("creationTime", { value: instantTs(q.now) }),
    el("interactionId", { root: "2.16.840.1.113883.1.6", extension: "PRPA_IN201305UV02" }),
    el("processingCode", { code: "P" }),
    el("processingModeCode", { code: "T" }),
    el("acceptAckCode", { code: "AL" }),
    device("receiver", q.receiverDeviceId),
    device("sender", q.senderDeviceId),
    el(
      "controlActProcess",
      { classCode: "CACT", moodCode: "EVN" },
      el("code", { code: "PRPA_TE201305UV02", codeSystem: "2.16.840.1.113883.1.6" }),
      el(
        "queryByParameter",
        {},
        el("queryId", { root: q.senderDeviceId, extension: q.queryIdExtension ?? randomUUID() }),
        el("statusCode", { code: "new" }),
        el("responseModalityCode", { code: "R" }),
        el("responsePriorityCode", { code: "I" }),
        el(
          "parameterList",
          {},
          gender ? parameter("livingSubjectAdministrativeGender", "LivingSubject.administrativeGender", el("value", { code: gender, codeSystem: "2.16.840.1.113883.5.1" })) : undefined,
          d.birthDate ? parameter("livingSubjectBirthTime", "LivingSubject.birthTime", el("value", { value: toTs(d.birthDate, "birthDate") })) : undefined,
          ...q.ids.map((i) => parameter("livingSubjectId", "LivingSubject.id", el("value", { root: i.root, extension: i.extension }))),
          name ? parameter("livingSubjectName", "LivingSubject.name", name) : undefined,
        ),
      ),
    ),
  );
}
