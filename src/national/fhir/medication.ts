// Medication (resource or medicationCodeableConcept) -> canonical MedicinalProduct; FHIR Dosage ->
// canonical Dosage. Shared by the Patient Summary (MedicationStatement) and ePrescription
// (MedicationRequest) converters.
import type { Coded, Dosage, Ingredient, MedicinalProduct } from "../../canonical/model";
import { CodeSystems } from "../../terminology/code-systems";
import { type BundleIndex, type Located } from "./bundle";
import { allCodings, concept, decimal, quantity, ratio } from "./datatypes";
import { at, fhirError } from "./errors";
import type { FhirCodeableConcept, FhirQuantity, FhirRatio, FhirReference } from "./types";

interface FhirMedication {
  code?: FhirCodeableConcept;
  form?: FhirCodeableConcept;
  amount?: FhirRatio;
  ingredient?: { itemCodeableConcept?: FhirCodeableConcept; itemReference?: FhirReference; isActive?: boolean; strength?: FhirRatio }[];
}

export interface FhirDosage {
  text?: string;
  patientInstruction?: string;
  timing?: { repeat?: { frequency?: number; period?: number; periodUnit?: string; when?: string[] }; code?: FhirCodeableConcept };
  route?: FhirCodeableConcept;
  doseAndRate?: { doseQuantity?: FhirQuantity }[];
}

/** The product a MedicationStatement/MedicationRequest is about (medication[x]). */
export function productOf(index: BundleIndex, holder: Located): MedicinalProduct {
  const r = holder.resource as { medicationCodeableConcept?: FhirCodeableConcept; medicationReference?: FhirReference };
  if (r.medicationCodeableConcept) {
    return productFromCode(r.medicationCodeableConcept, at(holder.location, "medicationCodeableConcept"));
  }
  if (r.medicationReference) {
    const med = index.resolve(r.medicationReference, ["Medication"], at(holder.location, "medicationReference"), holder);
    return productFromMedication(index, med);
  }
  throw fhirError("no medication: give medicationCodeableConcept or medicationReference", holder.location);
}

/** Product code and ATC class from the codings of a medication code (ATC kept apart, rest = product code). */
function codesOf(cc: FhirCodeableConcept, location: string): { code?: Coded; atc?: Coded; name?: string } {
  const codings = allCodings(cc, location);
  const atc = codings.find((c) => c.system === CodeSystems.atc.oid);
  const code = codings.find((c) => c.system !== CodeSystems.atc.oid);
  const name = cc.text ?? code?.display ?? atc?.display;
  return { ...(code ? { code } : {}), ...(atc ? { atc } : {}), ...(name !== undefined ? { name } : {}) };
}

function productFromCode(cc: FhirCodeableConcept, location: string): MedicinalProduct {
  const { code, atc, name } = codesOf(cc, location);
  if (name === undefined) throw fhirError("medication has no name (no text and no coding display)", location);
  const out: MedicinalProduct = { name, ingredients: [] };
  if (code) out.code = code;
  if (atc) out.atc = atc;
  return out;
}

function productFromMedication(index: BundleIndex, med: Located): MedicinalProduct {
  const m = med.resource as unknown as FhirMedication;
  if (!m.code) throw fhirError("Medication has no code", at(med.location, "code"));
  const out = productFromCode(m.code, at(med.location, "code"));
  if (m.form) out.doseForm = concept(m.form, at(med.location, "form"));
  out.ingredients = (m.ingredient ?? [])
    .map((ing, i) => ({ ing, loc: at(at(med.location, "ingredient"), i) }))
    .filter(({ ing }) => ing.isActive !== false)
    .map(({ ing, loc }) => ingredient(index, med, ing, loc));
  // Package (Medication.amount, R4): numerator = content of one package (e.g. 30 tablets),
  // denominator = the package itself, coded with its EDQM package term (e.g. 30009000 Box).
  if (m.amount) {
    const loc = at(med.location, "amount");
    const pkg: NonNullable<MedicinalProduct["package"]> = {};
    if (m.amount.numerator) pkg.quantity = quantity(m.amount.numerator, at(loc, "numerator"));
    const den = m.amount.denominator;
    if (den?.system !== undefined && den.code !== undefined && den.system !== "http://unitsofmeasure.org") {
      pkg.form = concept({ coding: [{ system: den.system, code: den.code, ...(den.unit ? { display: den.unit } : {}) }] }, at(loc, "denominator"));
    }
    out.package = pkg;
  }
  return out;
}

function ingredient(index: BundleIndex, med: Located, ing: NonNullable<FhirMedication["ingredient"]>[number], loc: string): Ingredient {
  let substanceCc = ing.itemCodeableConcept;
  let substanceLoc = at(loc, "itemCodeableConcept");
  if (!substanceCc && ing.itemReference) {
    const target = index.resolve(ing.itemReference, ["Substance", "Medication"], at(loc, "itemReference"), med);
    substanceCc = (target.resource as { code?: FhirCodeableConcept }).code;
    substanceLoc = at(target.location, "code");
  }
  if (!substanceCc) throw fhirError("ingredient has no item (itemCodeableConcept or itemReference)", loc);
  const out: Ingredient = { substance: concept(substanceCc, substanceLoc) };
  if (ing.strength) out.strength = ratio(ing.strength, at(loc, "strength"));
  return out;
}

export function dosage(d: FhirDosage, location: string): Dosage {
  const out: Dosage = {};
  const text = [d.text, d.patientInstruction].filter((t) => t !== undefined).join(" — ");
  if (text) out.text = text;
  const dose = d.doseAndRate?.find((x) => x.doseQuantity)?.doseQuantity;
  if (dose) out.dose = quantity(dose, at(at(at(location, "doseAndRate"), 0), "doseQuantity"));
  const repeat = d.timing?.repeat;
  if (repeat?.frequency !== undefined) out.frequency = repeat.frequency;
  if (repeat?.period !== undefined) {
    if (repeat.periodUnit === undefined) throw fhirError("timing period has no periodUnit", at(at(at(location, "timing"), "repeat"), "periodUnit"));
    out.period = { value: decimal(repeat.period), unit: repeat.periodUnit };
  }
  if (repeat?.when?.length) out.when = repeat.when;
  if (d.route) out.route = concept(d.route, at(location, "route"));
  return out;
}
