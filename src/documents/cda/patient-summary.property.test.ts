// Property: any canonical Patient Summary (random sections, counts, partial dates, mapped /
// unmapped / text-only codes, odd free text) gives a PS L3 that passes CDA_Pharma.xsd, whose
// narrative references resolve, whose coded elements sit in their bound value sets (or carry an
// allowed nullFlavor), and whose five required sections always come first (issue 2: "for every
// demo patient and for property-generated records (fast-check)").
import { expect } from "chai";
import fc from "fast-check";
import type {
  AdvanceDirective, Allergy, Concept, DeviceUse, Immunization, MedicationUse, Observation, Patient, PatientSummary,
  Pregnancy, Problem, Procedure, Quantity, RequiredSection,
} from "../../canonical/model";
import { loadCatalogue } from "../../terminology/catalogue";
import { ehdsiPath } from "../../../test/helpers/ehdsi";
import type { DocumentContext } from "../context";
import { checkBindings } from "./bindings-check";
import { all, attr, readCda } from "./cda-reader";
import { buildPatientSummaryL3 } from "./patient-summary";
import { loadCdaSchema } from "./schema";

const terminology = loadCatalogue({ mvcDir: ehdsiPath("mvc") });
const schema = loadCdaSchema(ehdsiPath("schema-cda/CDA_Pharma.xsd"));
const ctx: DocumentContext = {
  country: "LU",
  documentIdRoot: "1.3.182.10.7",
  custodian: { name: "NCPeH Luxembourg" },
  terminology,
  now: () => new Date("2026-01-01T00:00:00Z"),
};

const SNOMED = "2.16.840.1.113883.6.96";
const LOINC = "2.16.840.1.113883.6.1";
const ICD10 = "1.3.6.1.4.1.12559.11.10.1.3.1.44.2";
const code = (c: string, system: string, display?: string): Concept => ({ coding: { code: c, system, ...(display ? { display } : {}) } });

const freeText = fc.string({ unit: fc.constantFrom("a", "Z", "é", "<", ">", "&", '"', "'", "\u0000", "\u0008", "\uFFFF", "\uDC00", " ", "\n", "\t", "ß", "€"), minLength: 1, maxLength: 20 });
/** A code the catalogue maps, one already in the MVC, one it cannot map, or text only. */
const concept = (...pool: Concept[]) =>
  fc.oneof(
    fc.constantFrom(...pool),
    freeText.map((text): Concept => ({ text })),
    // The record's own display (written as displayName / originalText) may hold anything too.
    fc.tuple(fc.constantFrom(...pool), freeText, freeText).map(([c, display, text]): Concept => ({ coding: { ...c.coding!, display }, text })),
  );

const date = fc.oneof(
  fc.integer({ min: 1900, max: 2030 }).map(String),
  fc.tuple(fc.integer({ min: 1900, max: 2030 }), fc.integer({ min: 1, max: 12 })).map(([y, m]) => `${y}-${String(m).padStart(2, "0")}`),
  fc.date({ min: new Date("1900-01-01T00:00:00Z"), max: new Date("2030-12-31T00:00:00Z"), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  fc.date({ min: new Date("1970-01-01T00:00:00Z"), max: new Date("2030-12-31T00:00:00Z"), noInvalidDate: true }).map((d) => d.toISOString().replace(/\.\d+Z$/, "+02:00")),
);
const quantity: fc.Arbitrary<Quantity> = fc.record({
  value: fc.oneof(fc.integer({ min: 0, max: 5000 }).map(String), fc.double({ min: 0.001, max: 1000, noNaN: true }).map((v) => v.toFixed(3))),
  unit: fc.constantFrom("mg", "mL", "1", "mm[Hg]", "/min", "{pack}/d", "[IU]", "kg"),
});
const id = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
const required = <T>(entry: fc.Arbitrary<T>): fc.Arbitrary<RequiredSection<T>> =>
  fc.oneof(
    fc.uniqueArray(entry, { minLength: 1, maxLength: 3, selector: (e) => (e as { id: string }).id }).map((entries) => ({ kind: "entries" as const, entries })),
    fc.constant({ kind: "no-information" as const }),
    fc.constant({ kind: "known-absent" as const }),
  );
const optional = <T>(entry: fc.Arbitrary<T>) => fc.uniqueArray(entry, { maxLength: 2, selector: (e) => (e as { id: string }).id });

const allergy: fc.Arbitrary<Allergy> = fc.record(
  {
    id,
    type: concept(code("609328004", SNOMED), code("782197009", SNOMED), code("416098002", SNOMED)),
    agent: concept(code("3728", "1.3.182.5.35", "zidovudine"), code("J05AF06", "2.16.840.1.113883.6.73"), code("900001", "1.3.182.5.35", "ambroisie"), code("256259004", SNOMED, "Pollen")),
    reactions: fc.array(fc.record({ manifestation: concept(code("39579001", SNOMED), code("247472004", SNOMED)), severity: fc.option(concept(code("24484000", SNOMED)), { nil: undefined }) }, { requiredKeys: ["manifestation"] }), { maxLength: 2 }),
    criticality: fc.constantFrom("low", "high", "unable-to-assess"),
    verification: fc.constantFrom("unconfirmed", "confirmed", "refuted", "entered-in-error"),
    status: fc.constantFrom("active", "inactive", "resolved"),
    onset: date,
    end: date,
  },
  { requiredKeys: ["id", "agent", "reactions", "status"] },
);

const medication: fc.Arbitrary<MedicationUse> = fc.record(
  {
    id,
    product: fc.record(
      {
        name: freeText,
        code: fc.constant({ code: "2009050307", system: "1.3.182.5.47", display: "RETROVIR" }),
        atc: fc.constantFrom({ code: "J05AF01", system: "2.16.840.1.113883.6.73" }, { code: "X99ZZ99", system: "2.16.840.1.113883.6.73" }),
        doseForm: concept(code("59", "1.3.182.5.36"), code("10219000", "0.4.0.127.0.16.1.1.2.1"), code("9999", "1.3.182.5.36")),
        ingredients: fc.array(fc.record({ substance: concept(code("3728", "1.3.182.5.35"), code("J05AF07", "2.16.840.1.113883.6.73")), strength: fc.option(fc.record({ numerator: quantity, denominator: quantity }), { nil: undefined }) }, { requiredKeys: ["substance"] }), { maxLength: 2 }),
        package: fc.record({ quantity, form: concept(code("30009000", "0.4.0.127.0.16.1.1.2.1")) }, { requiredKeys: [] }),
      },
      { requiredKeys: ["name", "ingredients"] },
    ),
    dosage: fc.array(
      fc.record(
        {
          text: freeText,
          dose: quantity,
          period: fc.record({ value: fc.constantFrom("1", "8", "12"), unit: fc.constantFrom("h", "d", "wk") }),
          frequency: fc.integer({ min: 1, max: 4 }),
          when: fc.constantFrom(["ACM"], ["HS"], ["PCV"], ["MORN"]),
          route: concept(code("38", "1.3.182.5.31"), code("20066000", "0.4.0.127.0.16.1.1.2.1")),
        },
        { requiredKeys: [] },
      ),
      { maxLength: 2 },
    ),
    period: fc.record({ start: date, end: date }, { requiredKeys: [] }),
    status: fc.constantFrom("active", "completed", "intended", "stopped", "on-hold"),
    reason: concept(code("B20", "1.3.182.5.29")),
  },
  { requiredKeys: ["id", "product", "dosage"] },
);

const problem: fc.Arbitrary<Problem> = fc.record(
  {
    id,
    code: concept(code("B20", "1.3.182.5.29"), code("J45", ICD10), code("199", "1.3.6.1.4.1.12559.11.10.1.3.1.44.5"), code("ZZ.9", "1.3.182.5.29")),
    status: fc.constantFrom("active", "inactive", "resolved"),
    onset: date,
    abatement: date,
    severity: concept(code("24484000", SNOMED), code("6736007", SNOMED)),
    outcome: concept(code("162467007", SNOMED)),
  },
  { requiredKeys: ["id", "code", "status"] },
);

const procedure: fc.Arbitrary<Procedure> = fc.record(
  { id, code: concept(code("118950002", SNOMED), code("80146002", SNOMED), code("X1", "1.3.182.5.99")), date, bodySite: concept(code("774007", SNOMED)) },
  { requiredKeys: ["id", "code"] },
);
const device: fc.Arbitrary<DeviceUse> = fc.record(
  { id, device: concept(code("M52CB99", "1.3.182.5.33"), code("72506001", SNOMED)), start: date, end: date, udi: fc.stringMatching(/^\(01\)[0-9]{14}$/) },
  { requiredKeys: ["id", "device"] },
);
const immunization: fc.Arbitrary<Immunization> = fc.record(
  {
    id,
    vaccine: concept(code("428214002", SNOMED), code("J07BD52", "2.16.840.1.113883.6.73")),
    date,
    targetDiseases: fc.array(concept(code("A36", ICD10)), { maxLength: 2 }),
    doseNumber: fc.integer({ min: 1, max: 5 }),
    lotNumber: freeText,
    product: fc.option(freeText.map((text): Concept => ({ text })), { nil: undefined }),
  },
  { requiredKeys: ["id", "vaccine", "targetDiseases"] },
);
const value = fc.oneof(
  quantity.map((q) => ({ kind: "quantity" as const, quantity: q })),
  concept(code("278147001", SNOMED)).map((c) => ({ kind: "coded" as const, concept: c })),
  freeText.map((t) => ({ kind: "text" as const, text: t })),
  fc.record({ low: quantity, high: quantity }, { requiredKeys: [] }).map((r) => ({ kind: "range" as const, ...r })),
);
const observation = (...codes: Concept[]): fc.Arbitrary<Observation> =>
  fc.record(
    {
      id,
      code: concept(...codes),
      value,
      components: fc.array(fc.record({ code: concept(code("8480-6", LOINC), code("8462-4", LOINC)), value }), { maxLength: 2 }),
      time: date,
      interpretation: concept(code("N", "2.16.840.1.113883.5.83")),
      referenceRange: fc.record({ low: quantity, high: quantity, text: freeText }, { requiredKeys: [] }),
    },
    { requiredKeys: ["id", "code", "components"] },
  );
const pregnancy: fc.Arbitrary<Pregnancy> = fc.record(
  {
    status: fc.record({ value: concept(code("77386006", SNOMED), code("60001007", SNOMED)), time: date }, { requiredKeys: ["value"] }),
    estimatedDelivery: fc.record({ date, time: date }, { requiredKeys: ["date"] }),
    outcomes: fc.array(fc.record({ outcome: concept(code("281050002", SNOMED)), count: fc.integer({ min: 0, max: 9 }), date }, { requiredKeys: ["outcome"] }), { maxLength: 2 }),
  },
  { requiredKeys: ["outcomes"] },
);
const directive: fc.Arbitrary<AdvanceDirective> = fc.record({ id, code: concept(code("304253006", SNOMED)), text: freeText, period: fc.record({ start: date }) }, { requiredKeys: ["id", "code"] });

const patient: fc.Arbitrary<Patient> = fc.record({
  ids: fc.constant([{ system: "1.3.182.4.4", value: "1968101545978" }]),
  names: fc.array(fc.record({ family: freeText, given: fc.array(freeText, { maxLength: 2 }) }), { maxLength: 2 }),
  gender: fc.constantFrom("male", "female", "other", "unknown"),
  birthDate: date,
  addresses: fc.array(fc.record({ lines: fc.array(freeText, { maxLength: 2 }), city: freeText, country: fc.constantFrom("LU", "FR") }, { requiredKeys: ["lines"] }), { maxLength: 1 }),
  telecom: fc.array(fc.record({ system: fc.constantFrom("phone", "email", "other"), value: fc.constantFrom("+352 123 456", "a@b.lu", "x") }), { maxLength: 2 }),
  languages: fc.array(fc.constantFrom("fr", "de-LU", "lb"), { maxLength: 2 }),
  contacts: fc.array(fc.record({ guardian: fc.boolean(), name: fc.record({ family: freeText, given: fc.constant([]) }), relationship: fc.constant({ code: "MTH", system: "2.16.840.1.113883.5.111" }) }), { maxLength: 2 }),
});

const summary: fc.Arbitrary<PatientSummary> = fc.record({
  id,
  patient,
  authors: fc.array(fc.record({ name: fc.record({ family: freeText, given: fc.constant([]) }), role: fc.constantFrom({ code: "221", system: "2.16.840.1.113883.2.9.6.2.7" }, { code: "42", system: "1.3.182.9" }) }), { maxLength: 2 }),
  custodian: fc.record({ name: freeText }),
  time: fc.constant("2024-06-03T11:18:54+02:00"),
  language: fc.constantFrom("fr-LU", "de-LU", "en"),
  allergies: required(allergy),
  medications: required(medication),
  problems: required(problem),
  procedures: required(procedure),
  devices: required(device),
  immunizations: optional(immunization),
  pastIllnesses: optional(problem),
  pregnancy: fc.option(pregnancy, { nil: undefined }),
  socialHistory: optional(observation(code("229819007", SNOMED), code("897148007", SNOMED))),
  vitalSigns: optional(observation(code("85354-9", LOINC), code("8867-4", LOINC))),
  // A blood group panel (34530-6) has a coded value (eHDSIBloodGroup); other results any value.
  results: optional(
    fc.oneof(
      observation(code("2345-7", LOINC), code("718-7", LOINC)),
      fc.tuple(observation(code("34530-6", LOINC)), concept(code("278147001", SNOMED), code("112144000", SNOMED))).map(([o, c]) => ({ ...o, value: { kind: "coded" as const, concept: c } })),
    ),
  ),
  advanceDirectives: optional(directive),
  functionalStatus: optional(observation(code("54750-5", LOINC))),
});

describe("eHDSI pivot PS L3 (property-generated records)", () => {
  it("is always schema-valid, self-consistent and bound to its value sets", () => {
    fc.assert(
      fc.property(summary, (ps) => {
        const xml = buildPatientSummaryL3(ps, ctx);
        const r = schema.validate(xml);
        expect(r.errors.slice(0, 3)).to.deep.equal([]);
        const doc = readCda(xml, { code: "DOCUMENT_INVALID" });
        const ids = new Set(all(doc, "//*[@ID]").map((e) => attr(e, "ID")));
        for (const ref of all(doc, "//hl7:reference")) expect(ids.has((attr(ref, "value") ?? "").slice(1)), attr(ref, "value")).to.equal(true);
        expect(all(doc, "//hl7:section/hl7:code").slice(0, 5).map((e) => attr(e, "code"))).to.deep.equal(["10160-0", "48765-2", "11450-4", "47519-4", "46264-8"]);
        const errors = checkBindings(doc, terminology, { kind: "ps" }).findings.filter((f) => f.severity === "error");
        expect(errors.map((f) => f.message).slice(0, 3)).to.deep.equal([]);
      }),
      { numRuns: Number(process.env.PS_PROPERTY_RUNS ?? 80) },
    );
  });
});
