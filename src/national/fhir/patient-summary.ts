// National Patient Summary bundle (FHIR R4, shaped like the HL7 International Patient Summary: a
// document Bundle with a Composition first, or a collection Bundle without one) -> canonical
// PatientSummary. Pure: JSON in, model out; every problem is a PasserelleError with a location.
import type { Observation, PatientSummary, Practitioner, RequiredSection } from "../../canonical/model";
import { emptyReasonStatement, type AbsentStatement, type RequiredKind } from "./absent";
import { BundleIndex, type Located } from "./bundle";
import { hasCode } from "./datatypes";
import { at, fhirError } from "./errors";
import { author, findPatient, organization, PRACTITIONER_TYPES, patient, practitioner } from "./parties";
import {
  advanceDirective,
  allergy,
  type Converted,
  deviceUse,
  immunization,
  isPastCondition,
  medicationUse,
  problem,
  procedure,
} from "./ps-clinical";
import { functionalImpression, observation, observationKind, pregnancy } from "./ps-observations";
import { validatePatientSummaryShape } from "./schema";
import type { FhirBundle, FhirCodeableConcept, FhirIdentifier, FhirReference } from "./types";

export interface PatientSummaryOptions {
  /** Language when neither the Composition nor the Bundle says (BCP 47). */
  defaultLanguage?: string;
}

const LOINC = ["http://loinc.org"];
/** IPS section LOINC codes (REFERENCE.md, eHDSISection). */
const SECTION_OF: Record<string, RequiredKind | "functional" | "past"> = {
  "48765-2": "allergies",
  "10160-0": "medications",
  "11450-4": "problems",
  "47519-4": "procedures",
  "46264-8": "devices",
  "47420-5": "functional",
  "11348-0": "past",
};

interface CompositionSection {
  code?: FhirCodeableConcept;
  entry?: FhirReference[];
  emptyReason?: FhirCodeableConcept;
  section?: CompositionSection[];
}
interface Composition {
  identifier?: FhirIdentifier;
  type?: FhirCodeableConcept;
  subject?: FhirReference;
  date?: string;
  language?: string;
  author?: FhirReference[];
  custodian?: FhirReference;
  attester?: { mode?: string; party?: FhirReference }[];
  section?: CompositionSection[];
}

export function patientSummaryFromFhir(input: unknown, options: PatientSummaryOptions = {}): PatientSummary {
  const bundle = validatePatientSummaryShape(input);
  const index = new BundleIndex(bundle);
  const patientEntry = findPatient(index);
  const composition = findComposition(index, bundle);
  const comp = composition?.resource as Composition | undefined;
  if (composition && comp) {
    if (!hasCode(comp.type, LOINC, ["60591-5"])) throw fhirError("Composition.type is not LOINC 60591-5 (Patient summary Document)", at(composition.location, "type"));
    if (comp.subject) {
      const subject = index.resolve(comp.subject, ["Patient"], at(composition.location, "subject"), composition);
      if (subject !== patientEntry) throw fhirError("Composition.subject is not the bundle's Patient", at(composition.location, "subject"));
    }
  }
  const sections = composition ? readSections(index, composition) : { statements: new Map<RequiredKind, AbsentStatement>(), functional: new Set<Located>(), past: new Set<Located>() };

  const statements = new Map<RequiredKind, AbsentStatement[]>();
  const note = (kind: RequiredKind, s: AbsentStatement) => statements.set(kind, [...(statements.get(kind) ?? []), s]);
  function collect<T>(kind: RequiredKind, results: Converted<T>[]): T[] {
    const entries: T[] = [];
    for (const r of results) {
      if ("entry" in r) entries.push(r.entry);
      else if ("absent" in r) note(kind, r.absent);
    }
    return entries;
  }
  function required<T>(kind: RequiredKind, entries: T[]): RequiredSection<T> {
    if (entries.length > 0) return { kind: "entries", entries };
    const said = statements.get(kind) ?? [];
    if (said.includes("known-absent")) return { kind: "known-absent" };
    if (said.length > 0) return { kind: "no-information" };
    // A required section with no resources says nothing: no information (REFERENCE.md).
    return { kind: sections.statements.get(kind) ?? "no-information" };
  }

  const conditions = index.ofType("Condition").filter((c) => !sections.functional.has(c));
  const past = conditions.filter((c) => sections.past.has(c) || isPastCondition(c));
  const current = conditions.filter((c) => !past.includes(c));
  const observations = index.ofType("Observation").filter((o) => !sections.functional.has(o));
  const ofKind = (k: string) => observations.filter((o) => observationKind(o) === k);
  const obs = (list: Located[]) => list.map(observation).filter((o): o is Observation => o !== undefined);
  const entriesOf = <T>(results: Converted<T>[]) => results.flatMap((r) => ("entry" in r ? [r.entry] : []));

  const functionalStatus: Observation[] = [
    ...index.ofType("ClinicalImpression").map(functionalImpression),
    ...obs([...sections.functional].filter((l) => l.resource.resourceType === "Observation")),
    ...[...sections.functional]
      .filter((l) => l.resource.resourceType === "Condition")
      .flatMap((l) => entriesOf([problem(l, "active")]).map((p) => ({ id: p.id, code: p.code, components: [] }))),
  ];

  const meds = [...index.ofType("MedicationStatement"), ...index.ofType("MedicationRequest")];
  const summary: PatientSummary = {
    id: summaryId(bundle, comp, composition),
    patient: patient(patientEntry),
    ...authorsAndCustodian(index, composition, comp),
    time: comp?.date ?? bundle.timestamp ?? bundle.meta?.lastUpdated ?? missing("no date: give Composition.date or Bundle.timestamp", "timestamp"),
    language: comp?.language ?? bundle.language ?? options.defaultLanguage ?? "fr-LU",
    allergies: required("allergies", collect("allergies", index.ofType("AllergyIntolerance").map(allergy))),
    medications: required("medications", collect("medications", meds.map((m) => medicationUse(index, m)))),
    problems: required("problems", collect("problems", current.map((c) => problem(c, "active")))),
    procedures: required("procedures", collect("procedures", index.ofType("Procedure").map(procedure))),
    devices: required("devices", collect("devices", index.ofType("DeviceUseStatement").map((d) => deviceUse(index, d)))),
    immunizations: entriesOf(index.ofType("Immunization").map(immunization)),
    pastIllnesses: entriesOf(past.map((c) => problem(c, "resolved"))),
    socialHistory: obs(ofKind("social-history")),
    vitalSigns: obs(ofKind("vital-signs")),
    results: obs(ofKind("results")),
    advanceDirectives: entriesOf(index.ofType("Consent").map(advanceDirective)),
    functionalStatus,
  };
  const preg = pregnancy(ofKind("pregnancy"));
  if (preg) summary.pregnancy = preg;
  if (comp) {
    const legal = comp.attester?.find((a) => a.mode === "legal" && a.party);
    if (legal?.party) {
      const idx = comp.attester!.indexOf(legal);
      const target = index.resolve(legal.party, [...PRACTITIONER_TYPES], at(at(at(composition!.location, "attester"), idx), "party"), composition);
      summary.legalAuthenticator = practitioner(index, target);
    }
  }
  return summary;
}

function missing(message: string, location: string): never {
  throw fhirError(message, location);
}

/** document Bundle: the Composition is the first entry (FHIR bdl-11); collection: optional. */
function findComposition(index: BundleIndex, bundle: FhirBundle): Located | undefined {
  const compositions = index.ofType("Composition");
  if (compositions.length > 1) throw fhirError(`the bundle has ${compositions.length} Compositions; at most one is expected`, compositions[1]!.location);
  if (bundle.type === "document") {
    if (index.entries[0]?.resource.resourceType !== "Composition") throw fhirError("a document Bundle must start with a Composition", "entry[0].resource.resourceType");
  }
  return compositions[0];
}

function readSections(index: BundleIndex, composition: Located) {
  const statements = new Map<RequiredKind, AbsentStatement>();
  const functional = new Set<Located>();
  const past = new Set<Located>();
  const visit = (list: CompositionSection[] | undefined, base: string) =>
    (list ?? []).forEach((s, i) => {
      const loc = at(at(base, "section"), i);
      const code = s.code?.coding?.find((c) => c.system === "http://loinc.org")?.code;
      const kind = code === undefined ? undefined : SECTION_OF[code];
      // Every section entry must resolve (a summary pointing at resources it does not carry is broken).
      const targets = (s.entry ?? []).map((e, j) => index.resolve(e, "any", at(at(loc, "entry"), j), composition));
      if (kind === "functional") targets.forEach((t) => functional.add(t));
      else if (kind === "past") targets.forEach((t) => past.add(t));
      else if (kind && (s.entry ?? []).length === 0) statements.set(kind, emptyReasonStatement(s.emptyReason));
      visit(s.section, loc);
    });
  visit((composition.resource as Composition).section, composition.location);
  return { statements, functional, past };
}


function summaryId(bundle: FhirBundle, comp: Composition | undefined, composition: Located | undefined): string {
  const id = comp?.identifier?.value ?? bundle.identifier?.value ?? composition?.resource.id ?? bundle.id;
  if (id === undefined) throw fhirError("no identifier for the summary: give Composition.identifier, Bundle.identifier or Bundle.id", "identifier");
  return id;
}

function authorsAndCustodian(index: BundleIndex, composition: Located | undefined, comp: Composition | undefined) {
  let authors: Practitioner[];
  if (comp?.author?.length) {
    authors = comp.author.map((a, i) => author(index, a, at(at(composition!.location, "author"), i), composition));
  } else {
    // Collection bundle: the practitioners it carries are the authors (roles first, they say more).
    const roles = index.ofType("PractitionerRole");
    const people = roles.length > 0 ? roles : index.ofType("Practitioner");
    authors = people.map((p) => practitioner(index, p));
  }
  let custodian;
  if (comp?.custodian) {
    custodian = organization(index.resolve(comp.custodian, ["Organization"], at(composition!.location, "custodian"), composition));
  } else {
    const first = authors.find((a) => a.organization)?.organization ?? index.ofType("Organization").map(organization)[0];
    if (!first) throw fhirError("no custodian: give Composition.custodian or an Organization in the bundle", composition ? at(composition.location, "custodian") : "entry");
    custodian = first;
  }
  return { authors, custodian };
}
