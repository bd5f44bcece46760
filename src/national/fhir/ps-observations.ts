// IPS Observations -> canonical: vital signs (category vital-signs), results (laboratory, imaging,
// others), social history (social-history), pregnancy (LOINC 82810-3 status, 11778-8 estimated
// delivery, pregnancy outcome counts), functional status (ClinicalImpression, or entries of the
// Composition section 47420-5).
import type { Concept, Observation, ObservationComponent, ObservationValue, Pregnancy } from "../../canonical/model";
import type { Located } from "./bundle";
import { concept, period, quantity } from "./datatypes";
import { at, fhirError } from "./errors";
import type { FhirCodeableConcept, FhirPeriod, FhirQuantity, FhirRange } from "./types";

type R = Record<string, unknown>;
const LOINC = "http://loinc.org";

export const PREGNANCY_STATUS = "82810-3";
export const ESTIMATED_DELIVERY = ["11778-8", "11779-6", "11780-4"];
/** LOINC counts of previous pregnancy outcomes (IPS Observation Pregnancy - Outcome). */
export const PREGNANCY_OUTCOMES = ["11636-8", "11637-6", "11638-4", "11639-2", "11640-0", "11612-9", "11613-7", "11614-5", "33065-4"];

export type ObservationKind = "vital-signs" | "results" | "social-history" | "pregnancy";

export function loincCode(l: Located): string | undefined {
  const code = (l.resource as R).code as FhirCodeableConcept | undefined;
  return code?.coding?.find((c) => c.system === LOINC)?.code;
}

export function observationKind(l: Located): ObservationKind {
  const loinc = loincCode(l);
  if (loinc && (loinc === PREGNANCY_STATUS || ESTIMATED_DELIVERY.includes(loinc) || PREGNANCY_OUTCOMES.includes(loinc))) return "pregnancy";
  const categories = ((l.resource as R).category as FhirCodeableConcept[] | undefined) ?? [];
  const codes = categories.flatMap((c) => (c.coding ?? []).map((x) => x.code));
  if (codes.includes("vital-signs")) return "vital-signs";
  if (codes.includes("social-history")) return "social-history";
  return "results";
}

function value(r: R, loc: string): ObservationValue | undefined {
  if (r.valueQuantity) return { kind: "quantity", quantity: quantity(r.valueQuantity as FhirQuantity, at(loc, "valueQuantity")) };
  if (typeof r.valueInteger === "number") return { kind: "quantity", quantity: { value: String(r.valueInteger), unit: "1" } };
  if (r.valueCodeableConcept) return { kind: "coded", concept: concept(r.valueCodeableConcept as FhirCodeableConcept, at(loc, "valueCodeableConcept")) };
  if (typeof r.valueString === "string") return { kind: "text", text: r.valueString };
  if (typeof r.valueBoolean === "boolean") return { kind: "text", text: String(r.valueBoolean) };
  if (typeof r.valueDateTime === "string") return { kind: "text", text: r.valueDateTime };
  if (r.valueRange) {
    const range = r.valueRange as FhirRange;
    const out: ObservationValue = { kind: "range" };
    if (range.low) out.low = quantity(range.low, at(at(loc, "valueRange"), "low"));
    if (range.high) out.high = quantity(range.high, at(at(loc, "valueRange"), "high"));
    return out;
  }
  return undefined;
}

const STATUSES = ["final", "preliminary", "amended", "corrected"] as const;

export function observation(l: Located): Observation | undefined {
  const r = l.resource as R;
  if (r.status === "entered-in-error" || r.status === "cancelled") return undefined;
  if (!r.code) throw fhirError("Observation has no code", at(l.location, "code"));
  const out: Observation = {
    id: l.resource.id ?? l.location,
    code: concept(r.code as FhirCodeableConcept, at(l.location, "code")),
    components: ((r.component as R[] | undefined) ?? []).flatMap((c, i) => component(c, at(at(l.location, "component"), i))),
  };
  const v = value(r, l.location);
  if (v) out.value = v;
  if (typeof r.effectiveDateTime === "string") out.time = r.effectiveDateTime;
  else if (typeof r.effectiveInstant === "string") out.time = r.effectiveInstant;
  if (r.effectivePeriod) out.period = period(r.effectivePeriod as FhirPeriod);
  const interp = (r.interpretation as FhirCodeableConcept[] | undefined)?.[0];
  if (interp) out.interpretation = concept(interp, at(at(l.location, "interpretation"), 0));
  const range = (r.referenceRange as FhirRange[] | undefined)?.[0];
  if (range) {
    const rr: NonNullable<Observation["referenceRange"]> = {};
    const rloc = at(at(l.location, "referenceRange"), 0);
    if (range.low) rr.low = quantity(range.low, at(rloc, "low"));
    if (range.high) rr.high = quantity(range.high, at(rloc, "high"));
    if (range.text !== undefined) rr.text = range.text;
    out.referenceRange = rr;
  }
  const status = STATUSES.find((s) => s === r.status);
  if (status) out.status = status;
  return out;
}

function component(c: R, loc: string): ObservationComponent[] {
  if (!c.code) throw fhirError("Observation component has no code", at(loc, "code"));
  const v = value(c, loc);
  // A component without a value (e.g. data absent) says nothing the document could carry.
  return v ? [{ code: concept(c.code as FhirCodeableConcept, at(loc, "code")), value: v }] : [];
}

/** Gathers pregnancy observations into the canonical Pregnancy (latest status wins). */
export function pregnancy(list: Located[]): Pregnancy | undefined {
  if (list.length === 0) return undefined;
  const out: Pregnancy = { outcomes: [] };
  for (const l of list) {
    const r = l.resource as R;
    if (r.status === "entered-in-error" || r.status === "cancelled") continue;
    const code = loincCode(l)!;
    const time = typeof r.effectiveDateTime === "string" ? r.effectiveDateTime : undefined;
    if (code === PREGNANCY_STATUS) {
      if (!r.valueCodeableConcept) throw fhirError("pregnancy status has no valueCodeableConcept", at(l.location, "valueCodeableConcept"));
      const status: NonNullable<Pregnancy["status"]> = { value: concept(r.valueCodeableConcept as FhirCodeableConcept, at(l.location, "valueCodeableConcept")) };
      if (time) status.time = time;
      if (!out.status || (time && (out.status.time ?? "") < time)) out.status = status;
    } else if (ESTIMATED_DELIVERY.includes(code)) {
      if (typeof r.valueDateTime !== "string") throw fhirError("estimated delivery date has no valueDateTime", at(l.location, "valueDateTime"));
      out.estimatedDelivery = { date: r.valueDateTime, ...(time ? { time } : {}) };
    } else {
      const count = typeof r.valueInteger === "number" ? r.valueInteger : (r.valueQuantity as FhirQuantity | undefined)?.value;
      const outcome: Pregnancy["outcomes"][number] = { outcome: concept(r.code as FhirCodeableConcept, at(l.location, "code")) };
      if (count !== undefined) outcome.count = count;
      if (time) outcome.date = time;
      out.outcomes.push(outcome);
    }
  }
  return out;
}

/** ClinicalImpression (functional assessment) -> Observation with its summary as text value. */
export function functionalImpression(l: Located): Observation {
  const r = l.resource as R;
  const code: Concept | undefined = r.code
    ? concept(r.code as FhirCodeableConcept, at(l.location, "code"))
    : typeof r.description === "string"
      ? { text: r.description }
      : undefined;
  if (!code) throw fhirError("ClinicalImpression has neither a code nor a description", at(l.location, "code"));
  const out: Observation = { id: l.resource.id ?? l.location, code, components: [] };
  if (typeof r.summary === "string") out.value = { kind: "text", text: r.summary };
  if (typeof r.effectiveDateTime === "string") out.time = r.effectiveDateTime;
  else if (typeof r.date === "string") out.time = r.date;
  return out;
}
