// A foreign eDispensation (eHDSI eD pivot L3, templateId 1.3.6.1.4.1.12559.11.10.1.3.1.1.2) read
// into the canonical Dispensation, for recording against our prescription (XDR, ITI-41). Strict:
// anything the national record needs and the document lacks, or gives in a form that cannot be
// right (a negative or non-numeric quantity), is refused with DISPENSATION_INVALID naming the
// element and the value. Tolerant only where real eDs differ harmlessly (prefixes, nullFlavors,
// where the pharmacy sits, streetName/houseNumber instead of streetAddressLine).
import type { Element } from "@xmldom/xmldom";
import type { Dispensation, DispensedItem, Gender, Ingredient, MedicinalProduct, Organization, Patient, Practitioner } from "../../canonical/model";
import { ErrorCode, PasserelleError } from "../../shared/errors";
import {
  all, attr, first, isDecimal, pathOf, readAddress, readCda, readCoded, readIi, readName, readPq, readTelecoms, text, tsToIso,
  type ReadOptions,
} from "./cda-reader";
import { ED_DOCUMENT_TEMPLATE } from "./edispensation";

const CODE = ErrorCode.DispensationInvalid;

function invalid(message: string, location: string, extra: Record<string, unknown> = {}): PasserelleError {
  return new PasserelleError(CODE, message, { location, ...extra });
}

export interface ParseEDispensationOptions {
  maxBytes?: ReadOptions["maxBytes"];
}

/** Parse a received eDispensation. Throws PasserelleError DISPENSATION_INVALID with a precise reason. */
export function parseEDispensation(xml: string, options: ParseEDispensationOptions = {}): Dispensation {
  const doc = readCda(xml, { code: CODE, maxBytes: options.maxBytes });
  const root = doc.documentElement!;
  const templates = all(root, "hl7:templateId").map((t) => attr(t, "root"));
  if (!templates.includes(ED_DOCUMENT_TEMPLATE)) {
    throw invalid(`not an eHDSI eDispensation: no templateId ${ED_DOCUMENT_TEMPLATE}`, "/ClinicalDocument/templateId");
  }
  const section = first(root, "hl7:component/hl7:structuredBody/hl7:component/hl7:section[hl7:code/@code='60590-7']");
  if (!section) throw invalid("no Medication dispensed section (LOINC 60590-7)", "/ClinicalDocument/component/structuredBody/component/section");
  const supplies = all(section, "hl7:entry/hl7:supply[@moodCode='EVN']");
  if (supplies.length === 0) throw invalid("the dispensation section has no supply entry (moodCode EVN)", `${pathOf(section)}/entry/supply`);

  // The pharmacist: the document author when a person (it carries the ISCO function code), else
  // the supply performer. The pharmacy: the performer's organisation, else the author's.
  const author = first(root, "hl7:author/hl7:assignedAuthor[hl7:assignedPerson]");
  const performer = first(supplies[0]!, "hl7:performer/hl7:assignedEntity");
  const dispenserEntity = author ?? performer;
  if (!dispenserEntity) throw invalid("no dispenser: neither a person as author nor a supply performer", "/ClinicalDocument/author/assignedAuthor");

  const d: Dispensation = {
    id: documentId(root),
    prescriptionId: prescriptionReference(root),
    patient: patient(root),
    dispenser: practitioner(dispenserEntity),
    time: dispensationTime(root, supplies[0]!),
    items: supplies.map(dispensedItem),
  };
  const pharmacy = organization(first(performer ?? dispenserEntity, "hl7:representedOrganization"));
  if (pharmacy) d.pharmacy = pharmacy;
  const language = attr(first(root, "hl7:languageCode"), "code");
  if (language) d.language = language;
  return d;
}

/** The document id in XDS uniqueId form: root^extension (root alone when there is no extension). */
function documentId(root: Element): string {
  const id = first(root, "hl7:id");
  const r = attr(id, "root");
  if (!r) throw invalid("ClinicalDocument/id has no root", "/ClinicalDocument/id");
  const ext = attr(id, "extension");
  return ext ? `${r}^${ext}` : r;
}

/** eHDSI eD: inFulfillmentOf/order/id is the ePrescription being dispensed. */
function prescriptionReference(root: Element): string {
  const refs = new Set(
    all(root, "hl7:inFulfillmentOf/hl7:order/hl7:id")
      .map((id) => attr(id, "extension") ?? (attr(id, "nullFlavor") ? undefined : attr(id, "root")))
      .filter((r): r is string => r !== undefined),
  );
  const location = "/ClinicalDocument/inFulfillmentOf/order/id";
  if (refs.size === 0) throw invalid(`missing prescription reference (${location})`, location);
  // One eD dispenses one eP (the national record is updated per prescription).
  if (refs.size > 1) throw invalid(`the dispensation refers to several prescriptions: ${[...refs].join(", ")}`, location);
  return [...refs][0]!;
}

const GENDER: Record<string, Gender> = { M: "male", F: "female", UN: "other" };

function patient(root: Element): Patient {
  const role = first(root, "hl7:recordTarget/hl7:patientRole");
  if (!role) throw invalid("no recordTarget/patientRole", "/ClinicalDocument/recordTarget/patientRole");
  const ids = all(role, "hl7:id").map(readIi).filter((i) => i !== undefined);
  if (ids.length === 0) throw invalid("the patient has no identifier", "/ClinicalDocument/recordTarget/patientRole/id");
  const person = first(role, "hl7:patient");
  const birth = attr(first(person ?? role, "hl7:birthTime"), "value");
  const p: Patient = {
    ids,
    names: person ? all(person, "hl7:name").map(readName).filter((n) => n !== undefined) : [],
    gender: GENDER[attr(first(person ?? role, "hl7:administrativeGenderCode"), "code") ?? ""] ?? "unknown",
    addresses: all(role, "hl7:addr").map(readAddress).filter((a) => a !== undefined),
    telecom: readTelecoms(role),
    languages: person ? all(person, "hl7:languageCommunication/hl7:languageCode").map((l) => attr(l, "code")).filter((c): c is string => !!c) : [],
    contacts: [],
  };
  if (birth) p.birthDate = tsToIso(birth, CODE, "/ClinicalDocument/recordTarget/patientRole/patient/birthTime/@value");
  return p;
}

function organization(e: Element | undefined): Organization | undefined {
  if (!e || attr(e, "nullFlavor")) return undefined;
  const nameEl = first(e, "hl7:name");
  const name = nameEl && !attr(nameEl, "nullFlavor") ? text(nameEl) : undefined;
  const id = readIi(first(e, "hl7:id"));
  if (!name && !id) return undefined;
  const org: Organization = { name: name ?? "" };
  if (id) org.id = id;
  const address = readAddress(first(e, "hl7:addr"));
  if (address) org.address = address;
  const telecom = readTelecoms(e);
  if (telecom.length > 0) org.telecom = telecom;
  return org;
}

/** A practitioner from assignedAuthor / assignedEntity (functionCode from the enclosing participation). */
function practitioner(entity: Element): Practitioner {
  const p: Practitioner = {};
  const id = readIi(first(entity, "hl7:id"));
  if (id) p.id = id;
  const name = readName(first(entity, "hl7:assignedPerson/hl7:name"));
  if (name) p.name = name;
  const role = readCoded(first(entity.parentNode as Element, "hl7:functionCode"));
  if (role) p.role = role;
  const org = organization(first(entity, "hl7:representedOrganization"));
  if (org) p.organization = org;
  const telecom = readTelecoms(entity);
  if (telecom.length > 0) p.telecom = telecom;
  const address = readAddress(first(entity, "hl7:addr"));
  if (address) p.address = address;
  return p;
}

/** When the medicine was handed over: supply performer time, else author time, else document time. */
function dispensationTime(root: Element, supply: Element): string {
  const candidates = [
    first(supply, "hl7:performer/hl7:time"),
    first(supply, "hl7:effectiveTime"),
    first(root, "hl7:author/hl7:time"),
    first(root, "hl7:effectiveTime"),
  ];
  for (const c of candidates) {
    const v = attr(c, "value");
    if (c && v) return tsToIso(v, CODE, `${pathOf(c)}/@value`);
  }
  throw invalid("no dispensation time (supply/performer/time, author/time or effectiveTime)", "/ClinicalDocument/effectiveTime");
}

function dispensedItem(supply: Element): DispensedItem {
  const item: DispensedItem = {
    prescriptionItemId: prescriptionItemReference(supply),
    product: product(supply),
    packages: packages(supply),
    substituted: false,
  };
  const subst = first(supply, "hl7:entryRelationship[@typeCode='COMP']/hl7:act[hl7:code/@code='SUBST' or hl7:code/@codeSystem='2.16.840.1.113883.5.1070']");
  if (subst) {
    item.substituted = true;
    // The kind of substitution: a nested SUBST observation value (as the eP states permission), or
    // the act code itself when it is drawn from substanceAdminSubstitution (IHE PHARM style).
    const code = first(subst, "hl7:entryRelationship/hl7:observation[hl7:code/@code='SUBST']/hl7:value") ?? first(subst, "hl7:code[@codeSystem='2.16.840.1.113883.5.1070']");
    const value = attr(code, "code");
    if (value) item.substitutionCode = value;
  }
  return item;
}

/** The prescription item dispensed: entryRelationship REFR / substanceAdministration (INT) / id. */
function prescriptionItemReference(supply: Element): string {
  const ref = first(supply, "hl7:entryRelationship[@typeCode='REFR']/hl7:substanceAdministration/hl7:id");
  const id = attr(ref, "extension") ?? (ref && !attr(ref, "nullFlavor") ? attr(ref, "root") : undefined);
  if (!id) {
    throw invalid("missing reference to the prescription item (entryRelationship REFR / substanceAdministration / id)", `${pathOf(supply)}/entryRelationship/substanceAdministration/id`);
  }
  return id;
}

/** Number of packages handed over: supply/quantity, a positive whole number. */
function packages(supply: Element): number {
  const q = first(supply, "hl7:quantity");
  const location = q ? `${pathOf(q)}/@value` : `${pathOf(supply)}/quantity`;
  const value = attr(q, "value");
  if (!q || value === undefined) throw invalid(`missing dispensed quantity (${location})`, location);
  if (!isDecimal(value)) throw invalid(`dispensed quantity ${location} is not a number: "${value}"`, location, { value });
  const n = Number(value);
  if (n <= 0) throw invalid(`dispensed quantity ${location} must be positive, found "${value}"`, location, { value });
  if (!Number.isInteger(n)) throw invalid(`dispensed quantity ${location} must be a whole number of packages, found "${value}"`, location, { value });
  const unit = attr(q, "unit") ?? "1";
  if (unit !== "1") throw invalid(`dispensed quantity ${location} must count packages (unit "1"), found unit "${unit}"`, `${pathOf(q)}/@unit`, { value: unit });
  return n;
}

function product(supply: Element): MedicinalProduct {
  const material = first(supply, "hl7:product/hl7:manufacturedProduct/hl7:manufacturedMaterial");
  if (!material) throw invalid("the supply has no product/manufacturedProduct/manufacturedMaterial", `${pathOf(supply)}/product`);
  const code = readCoded(first(material, "hl7:code"));
  const name = text(first(material, "hl7:name")) ?? code?.display;
  if (!name) throw invalid("the dispensed product has no name", `${pathOf(material)}/name`);
  const p: MedicinalProduct = { name, ingredients: all(material, "pharm:ingredient[@classCode='ACTI']").map(ingredient).filter(known) };
  if (code) p.code = code;
  const form = readCoded(first(material, "pharm:formCode"));
  if (form) p.doseForm = { coding: form };
  const atc = readCoded(first(material, "pharm:asSpecializedKind/pharm:generalizedMaterialKind/pharm:code"));
  if (atc) p.atc = atc;
  const content = first(material, "pharm:asContent");
  if (content) {
    const quantity = readPq(first(content, "pharm:quantity"), CODE);
    const packageForm = readCoded(first(content, "pharm:containerPackagedProduct/pharm:formCode"));
    if (quantity || packageForm) {
      p.package = {};
      if (packageForm) p.package.form = { coding: packageForm };
      if (quantity) p.package.quantity = quantity;
    }
  }
  return p;
}

/** An ingredient given only as nullFlavors (no code, no name) says nothing: it is left out. */
function known(i: Ingredient): boolean {
  return i.substance.coding !== undefined || i.substance.text !== undefined;
}

function ingredient(e: Element): Ingredient {
  const substanceEl = first(e, "pharm:ingredientSubstance");
  const coding = readCoded(first(substanceEl ?? e, "pharm:code"));
  const name = text(first(substanceEl ?? e, "pharm:name"));
  const ing: Ingredient = { substance: {} };
  if (coding) ing.substance.coding = coding;
  if (name) ing.substance.text = name;
  const numerator = readPq(first(e, "pharm:quantity/hl7:numerator"), CODE);
  const denominator = readPq(first(e, "pharm:quantity/hl7:denominator"), CODE);
  if (numerator && denominator) ing.strength = { numerator, denominator };
  return ing;
}
