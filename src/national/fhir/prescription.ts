// National ePrescriptions (FHIR R4 MedicationRequest + Medication) -> canonical Prescriptions.
// One Prescription per groupIdentifier (one eP document per prescription, eHDSI), else one per
// MedicationRequest. Pure: JSON in, model out; problems are PasserelleErrors with a location.
//
// Rules:
// - Quantity (dispenseRequest.quantity, required): when its unit names packages (UCUM annotation
//   {package}/{pack}/{box}, or an EDQM package term such as 30009000 Box) the value is the number of
//   packages; otherwise it counts units of the dose form (e.g. 60 tablets) and the number of packages
//   is ceil(units / package content), the content being Medication.amount.numerator (required then).
// - Substitution: substitution.allowedBoolean, or allowedCodeableConcept (v3 substanceAdminSubstitution:
//   N = not allowed, any other code = allowed); no substitution element = allowed (FHIR R4 default).
// - Status: active -> active; completed -> dispensed; cancelled/stopped -> cancelled. draft, on-hold
//   and entered-in-error requests are not offered (left out); unknown is an error. A group mixing
//   dispensed and open items is partially-dispensed. Expiry (validity end in the past) is decided when
//   read (the embedded store), not here.
import type { Prescription, PrescriptionItem, PrescriptionStatus } from "../../canonical/model";
import { CodeSystems } from "../../terminology/code-systems";
import { BundleIndex, type Located } from "./bundle";
import { concept } from "./datatypes";
import { at, fhirError } from "./errors";
import { dosage, productOf, type FhirDosage } from "./medication";
import { findPatient, patient, PRACTITIONER_TYPES, practitioner } from "./parties";
import { validatePrescriptionShape } from "./schema";
import type { FhirCodeableConcept, FhirIdentifier, FhirPeriod, FhirQuantity, FhirReference } from "./types";

export interface PrescriptionOptions {
  defaultLanguage?: string;
}

interface MedicationRequest {
  identifier?: FhirIdentifier[];
  groupIdentifier?: FhirIdentifier;
  status: string;
  intent: string;
  subject?: FhirReference;
  authoredOn?: string;
  requester?: FhirReference;
  reasonCode?: FhirCodeableConcept[];
  note?: { text?: string }[];
  dosageInstruction?: (FhirDosage & { timing?: { repeat?: { boundsPeriod?: FhirPeriod } } })[];
  dispenseRequest?: { validityPeriod?: FhirPeriod; quantity?: FhirQuantity };
  substitution?: { allowedBoolean?: boolean; allowedCodeableConcept?: FhirCodeableConcept };
}

const ORDER_INTENTS = ["order", "original-order", "reflex-order", "filler-order", "instance-order"];
const NOT_OFFERED = ["draft", "on-hold", "entered-in-error"];
const PACKAGE_UNITS = ["{package}", "{packages}", "{pack}", "{box}", "{boîte}", "{conditionnement}"];
type ItemState = "open" | "dispensed" | "cancelled";

export function prescriptionsFromFhir(input: unknown, options: PrescriptionOptions = {}): Prescription[] {
  const bundle = validatePrescriptionShape(input);
  const index = new BundleIndex(bundle);
  const patientEntry = findPatient(index);
  const thePatient = patient(patientEntry);
  const requests = index.ofType("MedicationRequest");
  if (requests.length === 0) throw fhirError("the bundle has no MedicationRequest", "entry");

  const groups = new Map<string, { items: { l: Located; r: MedicationRequest }[] }>();
  for (const l of requests) {
    const r = l.resource as unknown as MedicationRequest;
    if (!ORDER_INTENTS.includes(r.intent)) throw fhirError(`intent ${JSON.stringify(r.intent)} is not a prescription order`, at(l.location, "intent"));
    if (r.status === "unknown") throw fhirError("status 'unknown': the prescription's state must be known", at(l.location, "status"));
    if (NOT_OFFERED.includes(r.status)) continue;
    if (r.subject) {
      const subject = index.resolve(r.subject, ["Patient"], at(l.location, "subject"), l);
      if (subject !== patientEntry) throw fhirError("subject is not the bundle's Patient", at(l.location, "subject"));
    }
    const key = r.groupIdentifier?.value ?? itemId(l, r);
    const group = groups.get(key) ?? { items: [] };
    group.items.push({ l, r });
    groups.set(key, group);
  }

  const out: Prescription[] = [];
  for (const [id, group] of groups) {
    const first = group.items[0]!;
    if (!first.r.requester) throw fhirError("no requester (the prescriber)", at(first.l.location, "requester"));
    const prescriber = practitioner(index, index.resolve(first.r.requester, [...PRACTITIONER_TYPES], at(first.l.location, "requester"), first.l));
    const issued = group.items.map(({ l, r }) => r.authoredOn ?? missing("no authoredOn (date of issue)", at(l.location, "authoredOn"))).sort()[0]!;
    const states: ItemState[] = [];
    const items = group.items.map(({ l, r }) => {
      const state: ItemState = r.status === "completed" ? "dispensed" : r.status === "active" ? "open" : "cancelled";
      states.push(state);
      return item(index, l, r, state);
    });
    const p: Prescription = {
      id,
      patient: thePatient,
      prescriber,
      issued,
      status: groupStatus(states),
      items,
      language: bundle.language ?? options.defaultLanguage ?? "fr-LU",
    };
    const ends = group.items.map(({ r }) => r.dispenseRequest?.validityPeriod?.end).filter((e): e is string => e !== undefined).sort();
    if (ends[0]) p.validUntil = ends[0];
    out.push(p);
  }
  return out.sort((a, b) => (a.issued < b.issued ? 1 : a.issued > b.issued ? -1 : 0));
}

function missing(message: string, location: string): never {
  throw fhirError(message, location);
}

function itemId(l: Located, r: MedicationRequest): string {
  const id = r.identifier?.find((i) => i.value !== undefined)?.value ?? l.resource.id;
  if (id === undefined) throw fhirError("MedicationRequest has neither an identifier nor an id", at(l.location, "identifier"));
  return id;
}

function groupStatus(states: ItemState[]): PrescriptionStatus {
  if (states.every((s) => s === "cancelled")) return "cancelled";
  if (states.every((s) => s !== "open")) return "dispensed";
  if (states.some((s) => s === "dispensed")) return "partially-dispensed";
  return "active";
}

function item(index: BundleIndex, l: Located, r: MedicationRequest, state: ItemState): PrescriptionItem {
  const product = productOf(index, l);
  const packages = packagesOf(r, product.package?.quantity?.value, at(l.location, "dispenseRequest"));
  const out: PrescriptionItem = {
    id: itemId(l, r),
    product,
    packages,
    packagesDispensed: state === "dispensed" ? packages : 0,
    dosage: (r.dosageInstruction ?? []).map((d, i) => dosage(d, at(at(l.location, "dosageInstruction"), i))),
    substitutionAllowed: substitutionAllowed(r, at(l.location, "substitution")),
  };
  const bounds = r.dosageInstruction?.find((d) => d.timing?.repeat?.boundsPeriod)?.timing?.repeat?.boundsPeriod;
  if (bounds) out.period = { ...(bounds.start ? { start: bounds.start } : {}), ...(bounds.end ? { end: bounds.end } : {}) };
  const reason = r.reasonCode?.[0];
  if (reason) out.reason = concept(reason, at(at(l.location, "reasonCode"), 0));
  const notes = (r.note ?? []).map((n) => n.text).filter((t): t is string => t !== undefined);
  if (notes.length) out.instructions = notes.join("\n");
  return out;
}

function packagesOf(r: MedicationRequest, contentPerPackage: string | undefined, location: string): number {
  const q = r.dispenseRequest?.quantity;
  const qloc = at(location, "quantity");
  if (!q || q.value === undefined) throw fhirError("no dispenseRequest.quantity (number of packages or units to dispense)", qloc);
  if (!(q.value > 0)) throw fhirError(`quantity must be positive, got ${q.value}`, at(qloc, "value"));
  const isPackages = (q.code !== undefined && PACKAGE_UNITS.includes(q.code)) || q.system === "http://standardterms.edqm.eu";
  if (isPackages) {
    if (!Number.isInteger(q.value)) throw fhirError(`a number of packages must be whole, got ${q.value}`, at(qloc, "value"));
    return q.value;
  }
  const content = contentPerPackage === undefined ? NaN : Number(contentPerPackage);
  if (!(content > 0)) {
    throw fhirError("quantity is in units but the package content is unknown (give Medication.amount, or the quantity in {package})", qloc);
  }
  return Math.ceil(q.value / content - 1e-9);
}

function substitutionAllowed(r: MedicationRequest, location: string): boolean {
  const s = r.substitution;
  if (!s) return true;
  if (s.allowedBoolean !== undefined) return s.allowedBoolean;
  if (s.allowedCodeableConcept) {
    const c = concept(s.allowedCodeableConcept, at(location, "allowedCodeableConcept")).coding;
    if (c?.system === CodeSystems.substanceAdminSubstitution.oid) return c.code !== "N";
    throw fhirError("allowedCodeableConcept must use v3 substanceAdminSubstitution (N = not allowed)", at(location, "allowedCodeableConcept"));
  }
  return true;
}
