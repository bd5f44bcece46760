// XDR Provide and Register Document Set-b (IHE ITI-41) for the eHDSI eDispensation (REFERENCE.md
// "XDR"): reading the request — SubmissionSet, DocumentEntry metadata, the documents inline base64 or
// as xop:Include parts — and writing the RegistryResponse (Success, or Failure with RegistryErrorList).
import type { Element } from "@xmldom/xmldom";
import { el, type XElement } from "../../shared/xml";
import { instantTs } from "../../documents/cda/datatypes";
import { formatCx, parseCx, type PatientCx } from "../cx";
import { binaryContent, newContentId, xopInclude, type Attachment, type MimePart } from "../mtom";
import { DocCodes, LCM_NS, RIM_NS, RS_NS, XDS_NS, Xds } from "../namespaces";
import { classification, externalIdentifier, localized, readClassifications, readExternalIdentifiers, readRegistryErrors, readSlots, readStatus, registryErrorList, RIM_PREFIXES, slot, stableUuid, statusFor, statusUri, type RegistryErrorInput } from "../rim";
import { attrOf, childElements, onlyChild, qname, readFailure } from "../xml-read";

export interface SubmissionSet {
  id: string;
  uniqueId: string | undefined;
  sourceId: string | undefined;
  /** XDSSubmissionSet.patientId as sent (CX). */
  patientId: string | undefined;
  submissionTime: string | undefined;
  contentTypeCode: string | undefined;
}

export interface SubmittedDocument {
  /** The entryUUID (ExtrinsicObject/@id = xds:Document/@id). */
  id: string;
  uniqueId: string;
  classCode: string | undefined;
  typeCode: string | undefined;
  formatCode: string | undefined;
  mimeType: string | undefined;
  patient: PatientCx;
  creationTime: string | undefined;
  languageCode: string | undefined;
  bytes: Buffer;
}

export interface ProvideAndRegister {
  submission: SubmissionSet;
  documents: SubmittedDocument[];
}

/** Most documents accepted in one submission (an eDispensation submits one). */
export const MAX_SUBMITTED_DOCUMENTS = 10;

const WHERE = "/ProvideAndRegisterDocumentSetRequest";

function isSubmissionSet(pkg: Element, list: Element): boolean {
  const id = attrOf(pkg, "id");
  if (attrOf(pkg, "objectType") === Xds.submissionSetType) return true;
  // ITI TF-3 4.2.1.1: or a Classification with classificationNode = the SubmissionSet node
  return childElements(list, RIM_NS, "Classification").some((c) => attrOf(c, "classificationNode") === Xds.submissionSetType && attrOf(c, "classifiedObject") === id);
}

function readSubmission(pkg: Element): SubmissionSet {
  const ids = readExternalIdentifiers(pkg);
  const slots = readSlots(pkg);
  return {
    id: attrOf(pkg, "id") ?? "",
    uniqueId: ids.get(Xds.submissionSetUniqueId),
    sourceId: ids.get(Xds.submissionSetSourceId),
    patientId: ids.get(Xds.submissionSetPatientId),
    submissionTime: slots.get("submissionTime")?.[0],
    contentTypeCode: readClassifications(pkg).find((c) => c.scheme === Xds.submissionSetContentType)?.node,
  };
}

function readEntry(x: Element, bytes: Buffer, where: string): SubmittedDocument {
  const ids = readExternalIdentifiers(x);
  const slots = readSlots(x);
  const cls = readClassifications(x);
  const node = (scheme: string) => cls.find((c) => c.scheme === scheme)?.node;
  const uniqueId = ids.get(Xds.documentEntryUniqueId);
  if (!uniqueId) throw readFailure("structure", `${where} has no XDSDocumentEntry.uniqueId`, `${where}/ExternalIdentifier`);
  const patientId = ids.get(Xds.documentEntryPatientId);
  if (!patientId) throw readFailure("structure", `${where} has no XDSDocumentEntry.patientId`, `${where}/ExternalIdentifier`);
  return {
    id: attrOf(x, "id") ?? "",
    uniqueId,
    classCode: node(Xds.classCode),
    typeCode: node(Xds.typeCode),
    formatCode: node(Xds.formatCode),
    mimeType: attrOf(x, "mimeType"),
    patient: parseCx(patientId),
    creationTime: slots.get("creationTime")?.[0],
    languageCode: slots.get("languageCode")?.[0],
    bytes,
  };
}

/** Read a ProvideAndRegisterDocumentSetRequest; documents from inline base64 or the MTOM attachments. */
export function parseProvideAndRegister(message: Element, attachments: Map<string, MimePart>): ProvideAndRegister {
  if (message.namespaceURI !== XDS_NS || message.localName !== "ProvideAndRegisterDocumentSetRequest") {
    throw readFailure("structure", `expected {${XDS_NS}}ProvideAndRegisterDocumentSetRequest, found ${qname(message)}`, "/");
  }
  const submit = onlyChild(message, LCM_NS, "SubmitObjectsRequest", WHERE);
  const list = onlyChild(submit, RIM_NS, "RegistryObjectList", `${WHERE}/SubmitObjectsRequest`);
  const packages = childElements(list, RIM_NS, "RegistryPackage").filter((p) => isSubmissionSet(p, list));
  if (packages.length !== 1 || !packages[0]) throw readFailure("structure", `expected one SubmissionSet, found ${packages.length}`, `${WHERE}/SubmitObjectsRequest/RegistryObjectList/RegistryPackage`);
  const entries = childElements(list, RIM_NS, "ExtrinsicObject");
  const documents = childElements(message, XDS_NS, "Document");
  if (entries.length === 0) throw readFailure("structure", "the submission has no DocumentEntry", `${WHERE}/SubmitObjectsRequest/RegistryObjectList/ExtrinsicObject`);
  if (entries.length > MAX_SUBMITTED_DOCUMENTS) throw readFailure("structure", `the submission has ${entries.length} documents (at most ${MAX_SUBMITTED_DOCUMENTS})`, WHERE);
  // ITI TF-2b 3.41.4.1.3: one Document per DocumentEntry, matched by id, and no other.
  const byId = new Map<string, Element>();
  for (const d of documents) {
    const id = attrOf(d, "id");
    if (!id || byId.has(id)) throw readFailure("structure", `a Document has ${id ? `the duplicate id ${id}` : "no id"}`, `${WHERE}/Document`);
    byId.set(id, d);
  }
  const read = entries.map((x, i) => {
    const where = `${WHERE}/SubmitObjectsRequest/RegistryObjectList/ExtrinsicObject[${i + 1}]`;
    if (attrOf(x, "objectType") !== Xds.documentEntryType) throw readFailure("structure", `${where} is not a stable DocumentEntry (objectType ${attrOf(x, "objectType")})`, `${where}/@objectType`);
    const id = attrOf(x, "id") ?? "";
    const doc = byId.get(id);
    if (!doc) throw readFailure("structure", `no Document for DocumentEntry ${id}`, where);
    byId.delete(id);
    return readEntry(x, binaryContent(doc, attachments), where);
  });
  if (byId.size > 0) throw readFailure("structure", `Document ${[...byId.keys()].join(", ")} has no DocumentEntry`, `${WHERE}/Document`);
  return { submission: readSubmission(packages[0]), documents: read };
}

/**
 * What an eHDSI eDispensation submission asks for, by class and format code (REFERENCE.md "XDR"):
 * a dispensation, its discard, or something else (codes mixed or unknown).
 */
export function edIntent(d: Pick<SubmittedDocument, "classCode" | "formatCode">): "dispense" | "discard" | undefined {
  if (d.classCode === DocCodes.edClass && d.formatCode === DocCodes.edFormat) return "dispense";
  if (d.classCode === DocCodes.edDiscardClass && d.formatCode === DocCodes.edDiscardFormat) return "discard";
  return undefined;
}

/** The RegistryResponse element (the Body's content). */
export function buildRegistryResponse(errors: RegistryErrorInput[] = []): XElement {
  // One submission is all or nothing: any error is a Failure (ITI TF-2b 3.41.4.2.3).
  return el("rs:RegistryResponse", { "xmlns:rs": RS_NS, status: statusUri(statusFor(errors, 0)) }, registryErrorList(errors));
}

export function parseRegistryResponse(message: Element): { status: ReturnType<typeof readStatus>; errors: ReturnType<typeof readRegistryErrors> } {
  if (message.namespaceURI !== RS_NS || message.localName !== "RegistryResponse") {
    throw readFailure("structure", `expected {${RS_NS}}RegistryResponse, found ${qname(message)}`, "/");
  }
  return { status: readStatus(message), errors: readRegistryErrors(message) };
}

// ---- writing a submission (country B) -----------------------------------------------------------

export interface ProvideAndRegisterInput {
  /** The document's XDSDocumentEntry.uniqueId (the eD's ClinicalDocument/id as root^extension or OID). */
  uniqueId: string;
  patient: PatientCx;
  intent: "dispense" | "discard";
  /** Our community OID (XDSSubmissionSet.sourceId). */
  sourceId: string;
  /** XDSSubmissionSet.uniqueId (an OID). */
  submissionUniqueId: string;
  /** BCP 47 language of the document, e.g. fr-LU. */
  languageCode: string;
  now: Date;
  content: Buffer;
  /** true: the document as an xop:Include MTOM part; false: inline base64. */
  mtom: boolean;
}

// Symbolic ids of the objects of one submission (ebRS 3.0 / ITI TF-3 4.2.3.1.5: the registry assigns UUIDs).
const ENTRY_ID = "Document01";
const SUBMISSION_ID = "SubmissionSet01";

/**
 * A ProvideAndRegisterDocumentSetRequest of one eHDSI eDispensation (or its discard): SubmissionSet
 * and DocumentEntry metadata (IHE ITI TF-3 4.2.3; eHDSI XDR profile class / format codes, see
 * edIntent), the document inline base64 or as an MTOM part.
 */
export function buildProvideAndRegister(s: ProvideAndRegisterInput): { body: XElement; attachments: Attachment[] } {
  const [classCode, formatCode] = s.intent === "dispense" ? [DocCodes.edClass, DocCodes.edFormat] : [DocCodes.edDiscardClass, DocCodes.edDiscardFormat];
  const patient = formatCx(s.patient);
  const time = instantTs(s.now).slice(0, 14);
  const contentId = s.mtom ? newContentId() : undefined;
  const entry = el(
    "rim:ExtrinsicObject",
    { id: ENTRY_ID, mimeType: "text/xml", objectType: Xds.documentEntryType },
    slot("creationTime", [time]),
    slot("languageCode", [s.languageCode]),
    slot("sourcePatientId", [patient]),
    localized("Name", "eDispensation"),
    classification({ scheme: Xds.classCode, object: ENTRY_ID, node: classCode, codingScheme: DocCodes.loinc, display: "eDispensation" }),
    classification({ scheme: Xds.confidentialityCode, object: ENTRY_ID, node: "N", codingScheme: DocCodes.confidentialitySystem, display: "Normal" }),
    classification({ scheme: Xds.formatCode, object: ENTRY_ID, node: formatCode, codingScheme: DocCodes.formatCodesScheme, display: "eDispensation" }),
    classification({ scheme: Xds.typeCode, object: ENTRY_ID, node: classCode, codingScheme: DocCodes.loinc, display: "eDispensation" }),
    externalIdentifier({ scheme: Xds.documentEntryPatientId, object: ENTRY_ID, value: patient, name: "XDSDocumentEntry.patientId" }),
    externalIdentifier({ scheme: Xds.documentEntryUniqueId, object: ENTRY_ID, value: s.uniqueId, name: "XDSDocumentEntry.uniqueId" }),
  );
  const submission = el(
    "rim:RegistryPackage",
    { id: SUBMISSION_ID },
    slot("submissionTime", [time]),
    classification({ scheme: Xds.submissionSetContentType, object: SUBMISSION_ID, node: classCode, codingScheme: DocCodes.loinc, display: "eDispensation" }),
    externalIdentifier({ scheme: Xds.submissionSetPatientId, object: SUBMISSION_ID, value: patient, name: "XDSSubmissionSet.patientId" }),
    externalIdentifier({ scheme: Xds.submissionSetUniqueId, object: SUBMISSION_ID, value: s.submissionUniqueId, name: "XDSSubmissionSet.uniqueId" }),
    externalIdentifier({ scheme: Xds.submissionSetSourceId, object: SUBMISSION_ID, value: s.sourceId, name: "XDSSubmissionSet.sourceId" }),
  );
  const body = el(
    "xdsb:ProvideAndRegisterDocumentSetRequest",
    { "xmlns:xdsb": XDS_NS, "xmlns:lcm": LCM_NS, ...RIM_PREFIXES },
    el(
      "lcm:SubmitObjectsRequest",
      {},
      el(
        "rim:RegistryObjectList",
        {},
        entry,
        submission,
        el("rim:Classification", { id: stableUuid(SUBMISSION_ID, "submission-set"), classificationNode: Xds.submissionSetType, classifiedObject: SUBMISSION_ID }),
        el("rim:Association", { id: stableUuid(SUBMISSION_ID, ENTRY_ID), associationType: Xds.hasMemberAssociation, sourceObject: SUBMISSION_ID, targetObject: ENTRY_ID }, slot("SubmissionSetStatus", ["Original"])),
      ),
    ),
    el("xdsb:Document", { id: ENTRY_ID }, contentId ? xopInclude(contentId) : s.content.toString("base64")),
  );
  return { body, attachments: contentId ? [{ contentId, contentType: "text/xml", bytes: s.content }] : [] };
}
