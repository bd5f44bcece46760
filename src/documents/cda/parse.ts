// Reading back the header of a CDA document (ours or a foreign one): its ids, kind, time, language
// and patient, for XDS metadata (uniqueId, patient id, class/format codes) and for checking that a
// retrieved document is about the patient asked for (REFERENCE.md: patient differs from TRC, 4206).
// Parsing is safe (cda-reader: size limit, no DOCTYPE) and namespace-aware.
import type { Address, ContactPoint, Gender, HumanName, Identifier } from "../../canonical/model";
import { ErrorCode, PasserelleError, type ErrorCode as Code } from "../../shared/errors";
import { all, attr, first, readAddress, readCda, readIi, readName, readTelecoms, tsToIso } from "./cda-reader";

export interface ParsedPatient {
  /** patientRole/id in document order (ours: the national identifier first). */
  ids: Identifier[];
  names: HumanName[];
  gender?: Gender;
  birthDate?: string;
  addresses: Address[];
  telecom: ContactPoint[];
}

export interface ParsedDocumentHeader {
  id: { root: string; extension?: string };
  setId?: { root: string; extension?: string };
  templateIds: string[];
  /** ClinicalDocument/code (LOINC: 60591-5 PS, 57833-6 eP, 60593-1 eD). */
  code?: string;
  title?: string;
  /** effectiveTime as ISO 8601 with its precision. */
  effectiveTime?: string;
  language?: string;
  /** nonXMLBody (L1) or structuredBody (L3). */
  level: "L1" | "L3";
  patient: ParsedPatient;
  custodian?: string;
}

const GENDER: Record<string, Gender> = { M: "male", F: "female", UN: "other" };

/** The header of a CDA document. Throws `code` (default DOCUMENT_INVALID) on unreadable input. */
export function parseDocumentHeader(xml: string, options: { code?: Code; maxBytes?: number } = {}): ParsedDocumentHeader {
  const code = options.code ?? ErrorCode.DocumentInvalid;
  const doc = readCda(xml, { code, maxBytes: options.maxBytes });
  const root = doc.documentElement!;
  const idEl = first(root, "hl7:id");
  const idRoot = attr(idEl, "root");
  if (!idRoot) throw new PasserelleError(code, "ClinicalDocument/id has no root", { location: "/ClinicalDocument/id" });
  const setEl = first(root, "hl7:setId");
  const setRoot = attr(setEl, "root");
  const time = attr(first(root, "hl7:effectiveTime"), "value");
  const role = first(root, "hl7:recordTarget/hl7:patientRole");
  if (!role) throw new PasserelleError(code, "ClinicalDocument has no recordTarget/patientRole", { location: "/ClinicalDocument/recordTarget" });
  const person = first(role, "hl7:patient");
  const birth = attr(first(person ?? role, "hl7:birthTime"), "value");
  const gender = attr(first(person ?? role, "hl7:administrativeGenderCode"), "code");
  const patient: ParsedPatient = {
    ids: all(role, "hl7:id").map(readIi).filter((i): i is Identifier => !!i),
    names: person ? all(person, "hl7:name").map(readName).filter((n): n is HumanName => !!n) : [],
    addresses: all(role, "hl7:addr").map(readAddress).filter((a): a is Address => !!a),
    telecom: readTelecoms(role),
  };
  if (gender && GENDER[gender]) patient.gender = GENDER[gender];
  if (birth) patient.birthDate = tsToIso(birth, code, "/ClinicalDocument/recordTarget/patientRole/patient/birthTime/@value");
  const header: ParsedDocumentHeader = {
    id: { root: idRoot, extension: attr(idEl, "extension") },
    templateIds: all(root, "hl7:templateId").map((t) => attr(t, "root")).filter((r): r is string => !!r),
    level: first(root, "hl7:component/hl7:nonXMLBody") ? "L1" : "L3",
    patient,
  };
  if (setRoot) header.setId = { root: setRoot, extension: attr(setEl, "extension") };
  const docCode = attr(first(root, "hl7:code"), "code");
  if (docCode) header.code = docCode;
  const title = first(root, "hl7:title")?.textContent?.trim();
  if (title) header.title = title;
  if (time) header.effectiveTime = tsToIso(time, code, "/ClinicalDocument/effectiveTime/@value");
  const language = attr(first(root, "hl7:languageCode"), "code");
  if (language) header.language = language;
  const custodian = first(root, "hl7:custodian/hl7:assignedCustodian/hl7:representedCustodianOrganization/hl7:name")?.textContent?.trim();
  if (custodian) header.custodian = custodian;
  return header;
}
