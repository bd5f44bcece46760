// FHIR R4 data types -> canonical types. Code system URIs become OIDs (src/terminology/code-systems.ts);
// an unknown system that is not `urn:oid:` is an input error naming its location (strict by default,
// DESIGN.md convention 3): a code we cannot name by OID cannot be carried into a CDA document.
import type { Address, Coded, Concept, ContactPoint, HumanName, Identifier, Period, Quantity, Ratio } from "../../canonical/model";
import { codeSystemName, oidForSystem } from "../../terminology/code-systems";
import { at, fhirError } from "./errors";
import type {
  FhirAddress,
  FhirCodeableConcept,
  FhirCoding,
  FhirContactPoint,
  FhirHumanName,
  FhirIdentifier,
  FhirPeriod,
  FhirQuantity,
  FhirRatio,
} from "./types";

const UCUM_URI = "http://unitsofmeasure.org";

/** The OID of a FHIR system URI, or an input error at `location`. */
export function systemOid(system: string, location: string): string {
  const oid = oidForSystem(system);
  if (oid === undefined || oid === "" || !/^[0-2](\.(0|[1-9][0-9]*))+$/.test(oid)) {
    throw fhirError(`code system ${JSON.stringify(system)} is not known (use a known URI or urn:oid:<OID>)`, location);
  }
  return oid;
}

export function coded(coding: FhirCoding, location: string): Coded {
  if (coding.system === undefined) throw fhirError("coding has no system", location);
  if (coding.code === undefined) throw fhirError("coding has no code", location);
  const system = systemOid(coding.system, at(location, "system"));
  const out: Coded = { code: coding.code, system };
  const name = codeSystemName(system);
  if (name) out.systemName = name;
  if (coding.display !== undefined) out.display = coding.display;
  return out;
}

/**
 * A CodeableConcept: every coding is checked (strict: an unknown system anywhere is an error); the
 * first coding is the one kept (the source's primary code, as the record gives it). Text only is
 * allowed (Concept.text).
 */
export function concept(cc: FhirCodeableConcept, location: string): Concept {
  const codings = (cc.coding ?? []).map((c, i) => coded(c, at(at(location, "coding"), i)));
  const out: Concept = {};
  if (codings[0]) out.coding = codings[0];
  if (cc.text !== undefined) out.text = cc.text;
  if (!out.coding && out.text === undefined) throw fhirError("CodeableConcept has neither a coding nor a text", location);
  return out;
}

/** All codings of a concept (for product codes where a national code and an ATC code sit side by side). */
export function allCodings(cc: FhirCodeableConcept, location: string): Coded[] {
  return (cc.coding ?? []).map((c, i) => coded(c, at(at(location, "coding"), i)));
}

/** Does the concept carry (system URI or OID, code)? */
export function hasCode(cc: FhirCodeableConcept | undefined, systems: readonly string[], codes: readonly string[]): boolean {
  return (cc?.coding ?? []).some((c) => c.system !== undefined && systems.includes(c.system) && c.code !== undefined && codes.includes(c.code));
}

/** Decimal as text, without float noise ("2.5", not "2.5000000001"). */
export function decimal(value: number): string {
  return String(value);
}

/** A quantity; the unit is the UCUM code ("1" when the source gives none), per the canonical model. */
export function quantity(q: FhirQuantity, location: string): Quantity {
  if (q.value === undefined) throw fhirError("quantity has no value", at(location, "value"));
  if (q.system !== undefined && q.system !== UCUM_URI && q.code !== undefined) {
    throw fhirError(`quantity unit system ${JSON.stringify(q.system)} is not UCUM`, at(location, "system"));
  }
  return { value: decimal(q.value), unit: q.code ?? "1" };
}

export function ratio(r: FhirRatio, location: string): Ratio {
  if (!r.numerator) throw fhirError("ratio has no numerator", at(location, "numerator"));
  return {
    numerator: quantity(r.numerator, at(location, "numerator")),
    denominator: r.denominator ? quantity(r.denominator, at(location, "denominator")) : { value: "1", unit: "1" },
  };
}

export function period(p: FhirPeriod): Period {
  const out: Period = {};
  if (p.start !== undefined) out.start = p.start;
  if (p.end !== undefined) out.end = p.end;
  return out;
}

/**
 * Identifiers with an OID system (urn:oid: or a known URI). Others (a national URI we cannot name by
 * OID) cannot be carried in a CDA II and are left out; callers needing one check the result.
 */
export function identifiers(ids: FhirIdentifier[] | undefined): Identifier[] {
  const out: Identifier[] = [];
  for (const id of ids ?? []) {
    if (id.system === undefined || id.value === undefined) continue;
    const oid = oidForSystem(id.system);
    if (oid && /^[0-2](\.(0|[1-9][0-9]*))+$/.test(oid)) out.push({ system: oid, value: id.value });
  }
  return out;
}

export function humanName(n: FhirHumanName): HumanName {
  const out: HumanName = { given: n.given ?? [] };
  if (n.family !== undefined) out.family = n.family;
  if (n.prefix?.length) out.prefix = n.prefix;
  if (n.suffix?.length) out.suffix = n.suffix;
  if (n.text !== undefined) out.text = n.text;
  return out;
}

const ADDRESS_USES = ["home", "work", "temp", "old", "billing"] as const;
const TELECOM_SYSTEMS = ["phone", "fax", "email", "pager", "url", "sms", "other"] as const;
const TELECOM_USES = ["home", "work", "temp", "old", "mobile"] as const;

function oneOf<T extends string>(values: readonly T[], v: string | undefined): T | undefined {
  return values.find((x) => x === v);
}

export function address(a: FhirAddress): Address {
  const out: Address = { lines: a.line ?? [] };
  if (a.city !== undefined) out.city = a.city;
  if (a.postalCode !== undefined) out.postalCode = a.postalCode;
  if (a.state !== undefined) out.state = a.state;
  if (a.country !== undefined) out.country = a.country;
  const use = oneOf(ADDRESS_USES, a.use);
  if (use) out.use = use;
  return out;
}

export function telecom(list: FhirContactPoint[] | undefined): ContactPoint[] {
  const out: ContactPoint[] = [];
  for (const t of list ?? []) {
    const system = oneOf(TELECOM_SYSTEMS, t.system);
    if (!system || t.value === undefined) continue;
    const cp: ContactPoint = { system, value: t.value };
    const use = oneOf(TELECOM_USES, t.use);
    if (use) cp.use = use;
    out.push(cp);
  }
  return out;
}
