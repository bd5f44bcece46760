// IPS clinical resources -> canonical PS entries: AllergyIntolerance, MedicationStatement /
// MedicationRequest, Condition, Procedure, DeviceUseStatement (+ Device), Immunization, Consent.
// A resource whose code is an absent/unknown statement yields that statement instead of an entry.
import type {
  AdvanceDirective,
  Allergy,
  ClinicalStatus,
  Concept,
  DeviceUse,
  Immunization,
  MedicationUse,
  Problem,
  Procedure,
  Reaction,
} from "../../canonical/model";
import { CodeSystems } from "../../terminology/code-systems";
import { absentStatement, type AbsentStatement, type RequiredKind } from "./absent";
import type { BundleIndex, Located } from "./bundle";
import { concept, period } from "./datatypes";
import { at, fhirError } from "./errors";
import { dosage, productOf, type FhirDosage } from "./medication";
import type { FhirCodeableConcept, FhirPeriod, FhirReference } from "./types";

export type Converted<T> = { entry: T } | { absent: AbsentStatement } | { skip: string };

type R = Record<string, unknown>;
const cc = (v: unknown) => v as FhirCodeableConcept | undefined;
const str = (v: unknown) => (typeof v === "string" ? v : undefined);

function statusCode(v: unknown): string | undefined {
  return cc(v)?.coding?.find((c) => c.code !== undefined)?.code;
}

/** FHIR clinical status (allergy, condition) -> canonical: recurrence/relapse are active, remission inactive. */
function clinicalStatus(v: unknown): ClinicalStatus | undefined {
  const code = statusCode(v);
  if (code === undefined) return undefined;
  if (["active", "recurrence", "relapse"].includes(code)) return "active";
  if (["inactive", "remission"].includes(code)) return "inactive";
  if (code === "resolved") return "resolved";
  return undefined;
}

function absentOr<T>(code: unknown, kind: RequiredKind, location: string, make: () => T): Converted<T> {
  const absent = absentStatement(cc(code));
  if (absent) {
    if (absent.kind !== kind) throw fhirError(`absent/unknown code for ${absent.kind} used in a ${kind} resource`, location);
    return { absent: absent.statement };
  }
  return { entry: make() };
}

function idOf(l: Located): string {
  const r = l.resource as R;
  const ident = (r.identifier as { value?: string }[] | undefined)?.find((i) => i.value !== undefined)?.value;
  return l.resource.id ?? ident ?? l.location;
}

function isVoid(l: Located): string | undefined {
  const status = str((l.resource as R).status);
  const verification = statusCode((l.resource as R).verificationStatus);
  if (status === "entered-in-error" || verification === "entered-in-error") return "entered in error";
  if (status === "not-done" || status === "not-taken") return `status ${status}`;
  return undefined;
}

const SEVERITY: Record<string, Concept> = {
  mild: { coding: { system: CodeSystems.snomed.oid, systemName: CodeSystems.snomed.name, code: "255604002", display: "Mild" } },
  moderate: { coding: { system: CodeSystems.snomed.oid, systemName: CodeSystems.snomed.name, code: "6736007", display: "Moderate" } },
  severe: { coding: { system: CodeSystems.snomed.oid, systemName: CodeSystems.snomed.name, code: "24484000", display: "Severe" } },
};
// AllergyIntolerance.type -> eHDSIAdverseEventType (SNOMED CT).
const ALLERGY_TYPE: Record<string, Concept> = {
  allergy: { coding: { system: CodeSystems.snomed.oid, systemName: CodeSystems.snomed.name, code: "609328004", display: "Allergic disposition" } },
  intolerance: { coding: { system: CodeSystems.snomed.oid, systemName: CodeSystems.snomed.name, code: "782197009", display: "Intolerance to substance" } },
};

export function allergy(l: Located): Converted<Allergy> {
  const r = l.resource as R;
  const skip = isVoid(l);
  if (skip) return { skip };
  if (!r.code) throw fhirError("AllergyIntolerance has no code (the agent)", at(l.location, "code"));
  return absentOr(r.code, "allergies", at(l.location, "code"), () => {
    const out: Allergy = {
      id: idOf(l),
      agent: concept(cc(r.code)!, at(l.location, "code")),
      reactions: ((r.reaction as R[] | undefined) ?? []).flatMap((rx, i) => reactions(rx, at(at(l.location, "reaction"), i))),
      status: clinicalStatus(r.clinicalStatus) ?? "active",
    };
    const type = str(r.type);
    if (type && ALLERGY_TYPE[type]) out.type = ALLERGY_TYPE[type];
    const category = (r.category as string[] | undefined)?.[0];
    if (category === "food" || category === "medication" || category === "environment" || category === "biologic") out.category = category;
    const crit = str(r.criticality);
    if (crit === "low" || crit === "high" || crit === "unable-to-assess") out.criticality = crit;
    const ver = statusCode(r.verificationStatus);
    if (ver === "unconfirmed" || ver === "confirmed" || ver === "refuted") out.verification = ver;
    const onset = str(r.onsetDateTime) ?? (r.onsetPeriod as FhirPeriod | undefined)?.start;
    if (onset) out.onset = onset;
    const end = (r.onsetPeriod as FhirPeriod | undefined)?.end;
    if (end) out.end = end;
    return out;
  });
}

function reactions(rx: R, loc: string): Reaction[] {
  const sev = str(rx.severity);
  return ((rx.manifestation as FhirCodeableConcept[] | undefined) ?? []).map((m, i) => {
    const out: Reaction = { manifestation: concept(m, at(at(loc, "manifestation"), i)) };
    if (sev && SEVERITY[sev]) out.severity = SEVERITY[sev];
    return out;
  });
}

const STATEMENT_STATUS: Record<string, MedicationUse["status"]> = {
  active: "active",
  completed: "completed",
  intended: "intended",
  stopped: "stopped",
  "on-hold": "on-hold",
  // MedicationRequest statuses
  draft: "intended",
  cancelled: "stopped",
};

/** MedicationStatement or MedicationRequest (IPS allows both in the medication summary). */
export function medicationUse(index: BundleIndex, l: Located): Converted<MedicationUse> {
  const r = l.resource as R;
  const skip = isVoid(l);
  if (skip) return { skip };
  return absentOr(r.medicationCodeableConcept, "medications", at(l.location, "medicationCodeableConcept"), () => {
    const dosageField = l.resource.resourceType === "MedicationRequest" ? "dosageInstruction" : "dosage";
    const out: MedicationUse = {
      id: idOf(l),
      product: productOf(index, l),
      dosage: ((r[dosageField] as FhirDosage[] | undefined) ?? []).map((d, i) => dosage(d, at(at(l.location, dosageField), i))),
    };
    const p = (r.effectivePeriod as FhirPeriod | undefined) ?? (str(r.effectiveDateTime) ? { start: str(r.effectiveDateTime) } : undefined);
    if (p) out.period = period(p);
    const status = STATEMENT_STATUS[str(r.status) ?? ""];
    if (status) out.status = status;
    const reason = (r.reasonCode as FhirCodeableConcept[] | undefined)?.[0];
    if (reason) out.reason = concept(reason, at(at(l.location, "reasonCode"), 0));
    return out;
  });
}

export function problem(l: Located, defaultStatus: ClinicalStatus): Converted<Problem> {
  const r = l.resource as R;
  const skip = isVoid(l);
  if (skip) return { skip };
  if (!r.code) throw fhirError("Condition has no code", at(l.location, "code"));
  return absentOr(r.code, "problems", at(l.location, "code"), () => {
    const out: Problem = { id: idOf(l), code: concept(cc(r.code)!, at(l.location, "code")), status: clinicalStatus(r.clinicalStatus) ?? defaultStatus };
    const onset = str(r.onsetDateTime) ?? (r.onsetPeriod as FhirPeriod | undefined)?.start;
    if (onset) out.onset = onset;
    const abatement = str(r.abatementDateTime) ?? (r.abatementPeriod as FhirPeriod | undefined)?.end;
    if (abatement) out.abatement = abatement;
    if (r.severity) out.severity = concept(cc(r.severity)!, at(l.location, "severity"));
    return out;
  });
}

/** Problems (active) go to the problem list; inactive/resolved ones are past illnesses. */
export function isPastCondition(l: Located): boolean {
  const s = clinicalStatus((l.resource as R).clinicalStatus);
  return s === "inactive" || s === "resolved";
}

export function procedure(l: Located): Converted<Procedure> {
  const r = l.resource as R;
  const skip = isVoid(l);
  if (skip) return { skip };
  if (!r.code) throw fhirError("Procedure has no code", at(l.location, "code"));
  return absentOr(r.code, "procedures", at(l.location, "code"), () => {
    const out: Procedure = { id: idOf(l), code: concept(cc(r.code)!, at(l.location, "code")) };
    const date = str(r.performedDateTime) ?? (r.performedPeriod as FhirPeriod | undefined)?.start;
    if (date) out.date = date;
    const site = (r.bodySite as FhirCodeableConcept[] | undefined)?.[0];
    if (site) out.bodySite = concept(site, at(at(l.location, "bodySite"), 0));
    return out;
  });
}

export function deviceUse(index: BundleIndex, l: Located): Converted<DeviceUse> {
  const r = l.resource as R;
  const skip = isVoid(l);
  if (skip) return { skip };
  const ref = r.device as FhirReference | undefined;
  if (!ref) throw fhirError("DeviceUseStatement has no device", at(l.location, "device"));
  const dev = index.resolve(ref, ["Device"], at(l.location, "device"), l);
  const d = dev.resource as R;
  const type = cc(d.type);
  const name = (d.deviceName as { name?: string }[] | undefined)?.[0]?.name;
  if (!type && name === undefined) throw fhirError("Device has neither a type nor a deviceName", at(dev.location, "type"));
  return absentOr(type, "devices", at(dev.location, "type"), () => {
    const out: DeviceUse = { id: idOf(l), device: type ? concept(type, at(dev.location, "type")) : { text: name! } };
    const timing = (r.timingPeriod as FhirPeriod | undefined) ?? (str(r.timingDateTime) ? { start: str(r.timingDateTime) } : undefined);
    if (timing?.start) out.start = timing.start;
    if (timing?.end) out.end = timing.end;
    const udi = (d.udiCarrier as { deviceIdentifier?: string; carrierHRF?: string }[] | undefined)?.[0];
    const udiText = udi?.carrierHRF ?? udi?.deviceIdentifier;
    if (udiText) out.udi = udiText;
    return out;
  });
}

export function immunization(l: Located): Converted<Immunization> {
  const r = l.resource as R;
  const skip = isVoid(l);
  if (skip) return { skip };
  if (!r.vaccineCode) throw fhirError("Immunization has no vaccineCode", at(l.location, "vaccineCode"));
  const protocol = (r.protocolApplied as R[] | undefined)?.[0];
  const out: Immunization = {
    id: idOf(l),
    vaccine: concept(cc(r.vaccineCode)!, at(l.location, "vaccineCode")),
    targetDiseases: ((protocol?.targetDisease as FhirCodeableConcept[] | undefined) ?? []).map((t, i) =>
      concept(t, at(at(at(at(l.location, "protocolApplied"), 0), "targetDisease"), i)),
    ),
  };
  const date = str(r.occurrenceDateTime);
  if (date) out.date = date;
  const dose = protocol?.doseNumberPositiveInt;
  if (typeof dose === "number") out.doseNumber = dose;
  const lot = str(r.lotNumber);
  if (lot) out.lotNumber = lot;
  return { entry: out };
}

/** Consent (advance directive): category = the directive's kind, provision period = when it applies. */
export function advanceDirective(l: Located): Converted<AdvanceDirective> {
  const r = l.resource as R;
  const skip = isVoid(l);
  if (skip) return { skip };
  const category = (r.category as FhirCodeableConcept[] | undefined)?.[0];
  if (!category) throw fhirError("Consent has no category", at(l.location, "category"));
  const out: AdvanceDirective = { id: idOf(l), code: concept(category, at(at(l.location, "category"), 0)) };
  const text = (r.policyRule as FhirCodeableConcept | undefined)?.text ?? category.text;
  if (text) out.text = text;
  const p = (r.provision as { period?: FhirPeriod } | undefined)?.period;
  if (p) out.period = period(p);
  return { entry: out };
}
