// Reading a foreign ePrescription (eHDSI eP pivot L3, templateId 1.3.6.1.4.1.12559.11.10.1.3.1.1.1)
// for what dispensing it here needs (country B, issue 6): the prescription id (the section id, which
// the eD's inFulfillmentOf/order/id repeats), the patient, and per item its id (the eD's REFR
// target), the product's name and code, the packages still to dispense, and whether substitution is
// allowed (SUBJ observation SUBST: N = not allowed; eHDSISubstitutionCode). Strict: a missing id or
// quantity is DOCUMENT_INVALID naming the element.
import type { Element } from "@xmldom/xmldom";
import type { Coded, Identifier } from "../../canonical/model";
import { ErrorCode, PasserelleError } from "../../shared/errors";
import { all, attr, first, isDecimal, pathOf, readCda, readCoded, readIi, text, type ReadOptions } from "./cda-reader";
import { EP_DOCUMENT_TEMPLATE } from "./eprescription";

const CODE = ErrorCode.DocumentInvalid;

export interface ForeignPrescriptionItem {
  /** root^extension (the form the eD builder writes back, medication-entry modelIdToIi). */
  readonly id: string;
  readonly productName: string | undefined;
  readonly productCode: Coded | undefined;
  /** Packages to dispense (the RQO supply quantity: what remains when the eP was produced). */
  readonly packages: number;
  readonly substitutionAllowed: boolean;
}

export interface ForeignPrescription {
  /** root^extension of the prescription (section id). */
  readonly id: string;
  /** ClinicalDocument/id as root^extension. */
  readonly documentId: string;
  readonly patientIds: readonly Identifier[];
  readonly language: string | undefined;
  readonly items: readonly ForeignPrescriptionItem[];
}

function invalid(message: string, location: string): PasserelleError {
  return new PasserelleError(CODE, message, { location });
}

function idOf(e: Element | undefined, location: string): string {
  const root = attr(e, "root");
  if (!e || !root || attr(e, "nullFlavor")) throw invalid(`missing identifier (${location})`, location);
  const ext = attr(e, "extension");
  return ext ? `${root}^${ext}` : root;
}

export function parseEPrescription(xml: string, options: { maxBytes?: ReadOptions["maxBytes"] } = {}): ForeignPrescription {
  const doc = readCda(xml, { code: CODE, maxBytes: options.maxBytes });
  const root = doc.documentElement!;
  if (!all(root, "hl7:templateId").some((t) => attr(t, "root") === EP_DOCUMENT_TEMPLATE)) {
    throw invalid(`not an eHDSI ePrescription: no templateId ${EP_DOCUMENT_TEMPLATE}`, "/ClinicalDocument/templateId");
  }
  const section = first(root, "hl7:component/hl7:structuredBody/hl7:component/hl7:section[hl7:code/@code='57828-6']");
  if (!section) throw invalid("no Prescriptions section (LOINC 57828-6)", "/ClinicalDocument/component/structuredBody/component/section");
  const items = all(section, "hl7:entry/hl7:substanceAdministration[@moodCode='INT']").map(item);
  if (items.length === 0) throw invalid("the prescription has no item", `${pathOf(section)}/entry/substanceAdministration`);
  const role = first(root, "hl7:recordTarget/hl7:patientRole");
  return {
    id: idOf(first(section, "hl7:id"), `${pathOf(section)}/id`),
    documentId: idOf(first(root, "hl7:id"), "/ClinicalDocument/id"),
    patientIds: role ? all(role, "hl7:id").map(readIi).filter((i): i is Identifier => i !== undefined) : [],
    language: attr(first(root, "hl7:languageCode"), "code"),
    items,
  };
}

function item(sa: Element): ForeignPrescriptionItem {
  const material = first(sa, "hl7:consumable/hl7:manufacturedProduct/hl7:manufacturedMaterial");
  const q = first(sa, "hl7:entryRelationship/hl7:supply[@moodCode='RQO']/hl7:quantity");
  const location = q ? `${pathOf(q)}/@value` : `${pathOf(sa)}/entryRelationship/supply/quantity`;
  const value = attr(q, "value");
  if (value === undefined || !isDecimal(value) || !(Number(value) > 0)) throw invalid(`the item has no positive quantity of packages (${location})`, location);
  const permission = first(sa, "hl7:entryRelationship[@typeCode='SUBJ']/hl7:observation[hl7:code/@code='SUBST']/hl7:value");
  return {
    id: idOf(first(sa, "hl7:id"), `${pathOf(sa)}/id`),
    productName: text(first(material ?? sa, "hl7:name")),
    productCode: readCoded(first(material ?? sa, "hl7:code")),
    packages: Number(value),
    // eHDSI eP: no permission stated means substitution is allowed unless the code says N.
    substitutionAllowed: attr(permission, "code") !== "N",
  };
}
