import { expect } from "chai";
import { readdirSync, readFileSync } from "node:fs";
import { ehdsiPath } from "../../../test/helpers/ehdsi";
import type { PatientSummary } from "../../canonical/model";
import { MAX_NATIONAL_BUNDLE_BYTES, parseBundleJson } from "./bundle";
import { patientSummaryFromFhir } from "./patient-summary";
import { clone, demoBundle, DEMO_DIR, expectError } from "./test-support";

type Json = Record<string, unknown> & { entry: { fullUrl?: string; resource: Record<string, unknown> }[] };
const entryOf = (b: Json, type: string) => b.entry.findIndex((e) => e.resource.resourceType === type);

describe("national Patient Summary bundle -> canonical", () => {
  it("every demo PS bundle converts", () => {
    const files = readdirSync(DEMO_DIR).filter((f) => f.endsWith("-ps.json"));
    expect(files.length).to.be.at.least(6);
    for (const f of files) {
      const s = patientSummaryFromFhir(parseBundleJson(readFileSync(`${DEMO_DIR}${f}`)));
      expect(s.patient.ids[0]?.system, f).to.equal("1.3.182.4.4");
    }
  });

  describe("(a) Sophie Weber: every section", () => {
    let s: PatientSummary;
    before(() => {
      s = patientSummaryFromFhir(demoBundle("sophie-weber-ps.json"));
    });
    it("reads the header: patient, author, custodian, legal authenticator, time, language", () => {
      expect(s.id).to.equal("sophie-weber-ps-v1");
      expect(s.patient.ids[0]).to.deep.equal({ system: "1.3.182.4.4", value: "1992031411227" });
      expect(s.patient.names[0]).to.deep.include({ family: "Weber", given: ["Sophie", "Anne"] });
      expect(s.patient.gender).to.equal("female");
      expect(s.patient.languages).to.deep.equal(["fr", "lb"]);
      expect(s.patient.contacts[0]?.relationship?.code).to.equal("HUSB");
      expect(s.authors[0]?.name?.family).to.equal("Reuter");
      expect(s.authors[0]?.role).to.deep.include({ code: "2211", system: "2.16.840.1.113883.2.9.6.2.7" });
      expect(s.authors[0]?.organization?.name).to.equal("Cabinet médical Dr Reuter");
      expect(s.custodian.name).to.equal("Centre Hospitalier Emile Mayrisch");
      expect(s.legalAuthenticator?.id).to.deep.equal({ system: "1.3.182.4.1", value: "2901234567" });
      expect(s.time).to.equal("2026-09-10T11:00:00+02:00");
      expect(s.language).to.equal("fr-LU");
    });
    it("keeps national codes as OIDs (VIDAL substance allergy agent, ICD-10CM problem)", () => {
      if (s.allergies.kind !== "entries") throw new Error("allergies should have entries");
      const [abacavir, peanut] = s.allergies.entries;
      expect(abacavir?.agent.coding).to.deep.include({ code: "18416", system: "1.3.182.5.35", display: "abacavir sulfate" });
      expect(abacavir?.type?.coding?.code).to.equal("609328004");
      expect(abacavir?.criticality).to.equal("high");
      expect(abacavir?.reactions[0]?.manifestation.coding?.code).to.equal("39579001");
      expect(abacavir?.reactions[0]?.severity?.coding?.code).to.equal("24484000");
      expect(peanut?.category).to.equal("food");
      if (s.problems.kind !== "entries") throw new Error("problems should have entries");
      expect(s.problems.entries.map((p) => p.code.coding?.code)).to.deep.equal(["B20", "J45.9"]);
      expect(s.problems.entries[0]?.code.coding?.system).to.equal("1.3.182.5.29");
    });
    it("reads medications with product, strength, package, dosage and route", () => {
      if (s.medications.kind !== "entries") throw new Error("medications should have entries");
      const viread = s.medications.entries[0]!;
      expect(viread.product.code).to.deep.include({ code: "2007029189", system: "1.3.182.5.47" });
      expect(viread.product.atc?.code).to.equal("J05AF07");
      expect(viread.product.doseForm?.coding).to.deep.include({ code: "59", system: "1.3.182.5.36" });
      expect(viread.product.ingredients[0]?.strength).to.deep.equal({ numerator: { value: "245", unit: "mg" }, denominator: { value: "1", unit: "1" } });
      expect(viread.product.package).to.deep.equal({
        quantity: { value: "30", unit: "1" },
        form: { coding: { code: "30008000", system: "0.4.0.127.0.16.1.1.2.1", systemName: "EDQM", display: "Flacon" } },
      });
      expect(viread.dosage[0]).to.deep.include({ frequency: 1, period: { value: "1", unit: "d" }, dose: { value: "1", unit: "1" } });
      expect(viread.dosage[0]?.route?.coding?.code).to.equal("38");
      expect(s.medications.entries[1]?.dosage[0]?.when).to.deep.equal(["ACM"]);
    });
    it("fills every optional section", () => {
      if (s.procedures.kind !== "entries" || s.devices.kind !== "entries") throw new Error("procedures and devices should have entries");
      expect(s.procedures.entries).to.have.length(2);
      expect(s.devices.entries[0]).to.deep.include({ start: "2018-05-22", udi: "(01)07612345000015(17)301231(10)A213B1" });
      expect(s.devices.entries[0]?.device.coding?.code).to.equal("M52CB99");
      expect(s.immunizations.map((i) => i.vaccine.coding?.code)).to.deep.equal(["61153008", "J07BB02", "428214002"]);
      expect(s.immunizations[0]).to.deep.include({ doseNumber: 1, lotNumber: "MMR-93-0456", date: "1993-06-10" });
      expect(s.pastIllnesses.map((p) => [p.code.coding?.code, p.status])).to.deep.equal([["A06.6", "resolved"], ["K35.8", "resolved"]]);
      expect(s.pregnancy?.status?.value.coding?.code).to.equal("77386006");
      expect(s.pregnancy?.estimatedDelivery?.date).to.equal("2027-03-18");
      expect(s.pregnancy?.outcomes[0]).to.deep.include({ count: 1 });
      expect(s.socialHistory.map((o) => o.code.coding?.code)).to.deep.equal(["229819007", "256235009"]);
      expect(s.vitalSigns[0]?.components.map((c) => c.value)).to.deep.equal([
        { kind: "quantity", quantity: { value: "118", unit: "mm[Hg]" } },
        { kind: "quantity", quantity: { value: "76", unit: "mm[Hg]" } },
      ]);
      expect(s.results.map((o) => o.code.coding?.code)).to.deep.equal(["882-1", "718-7"]);
      expect(s.results[1]?.referenceRange?.low?.value).to.equal("11.5");
      expect(s.advanceDirectives[0]?.text).to.match(/acharnement/);
      expect(s.functionalStatus[0]?.value).to.deep.equal({ kind: "text", text: "Autonome pour les activités de la vie quotidienne; marche sans aide." });
    });
  });

  it("(b) no known allergies, medications, problems -> known-absent; nothing on procedures/devices -> no-information", () => {
    const s = patientSummaryFromFhir(demoBundle("jean-paul-muller-ps.json"));
    expect([s.allergies.kind, s.medications.kind, s.problems.kind]).to.deep.equal(["known-absent", "known-absent", "known-absent"]);
    expect([s.procedures.kind, s.devices.kind]).to.deep.equal(["no-information", "no-information"]);
  });

  it("(c) no information (collection bundle without Composition)", () => {
    const s = patientSummaryFromFhir(demoBundle("marguerite-hoffmann-ps.json"));
    expect([s.allergies.kind, s.medications.kind, s.problems.kind, s.procedures.kind, s.devices.kind]).to.deep.equal(Array(5).fill("no-information"));
    expect(s.authors[0]?.name?.family).to.equal("Kremer");
    expect(s.custodian.name).to.equal("Centre Hospitalier du Nord");
    expect(s.patient.contacts[0]?.guardian).to.equal(true);
  });

  it("(d) keeps the unmapped national allergy agent as given (transcoding decides later)", () => {
    const s = patientSummaryFromFhir(demoBundle("luc-schmit-ps.json"));
    if (s.allergies.kind !== "entries") throw new Error("allergies should have entries");
    expect(s.allergies.entries[0]?.agent.coding).to.deep.include({ system: "1.3.182.5.35", code: "900001" });
    // Empty sections: emptyReason nilknown = known absent, unavailable = no information.
    expect(s.procedures.kind).to.equal("known-absent");
    expect(s.devices.kind).to.equal("no-information");
  });

  it("a SNOMED 'no known allergy' statement is known-absent", () => {
    const b = clone(demoBundle("sophie-weber-ps.json")) as Json;
    b.entry = b.entry.filter((e) => e.resource.resourceType !== "AllergyIntolerance");
    const comp = b.entry[0]!.resource as { section: { entry?: unknown[] }[] };
    comp.section[0]!.entry = [{ reference: "AllergyIntolerance/nka" }];
    b.entry.push({ resource: { resourceType: "AllergyIntolerance", id: "nka", code: { coding: [{ system: "http://snomed.info/sct", code: "716186003" }] } } });
    expect(patientSummaryFromFhir(b).allergies.kind).to.equal("known-absent");
  });

  describe("HL7 IPS example bundles (../shared/ehdsi/fhir-examples)", () => {
    const read = (f: string) => parseBundleJson(readFileSync(ehdsiPath("fhir-examples", f)));
    it("IPS example Bundle-01 (NL patient, full) converts", () => {
      const s = patientSummaryFromFhir(read("Bundle-IPS-examples-Bundle-01.json"));
      expect(s.patient.names[0]?.family).to.equal("DeLarosa");
      if (s.allergies.kind !== "entries") throw new Error("allergies should have entries");
      // The penicillin allergy is kept; "no known food allergy" (SNOMED 429625007) is not an entry.
      expect(s.allergies.entries.map((a) => a.agent.coding?.code)).to.deep.equal(["764146007"]);
      expect(s.results.length).to.be.greaterThan(3);
      if (s.medications.kind !== "entries") throw new Error("medications should have entries");
      expect(s.medications.entries[0]?.product.atc?.code).to.equal("L02BG03");
    });
    it("IPS minimal bundle converts", () => {
      const s = patientSummaryFromFhir(read("Bundle-bundle-minimal.json"));
      expect(s.allergies.kind).to.equal("entries");
    });
    it("IPS no-info-required-sections bundle (NZ) converts: required sections no-information, immunizations kept", () => {
      const s = patientSummaryFromFhir(read("Bundle-bundle-no-info-required-sections.json"));
      expect([s.allergies.kind, s.medications.kind, s.problems.kind]).to.deep.equal(["no-information", "no-information", "no-information"]);
      expect(s.immunizations).to.have.length(2);
      // The NZ NHI identifier has an http system with no OID: it cannot be carried and is left out.
      expect(s.patient.ids).to.deep.equal([]);
    });
    it("draft EU PS bundle is refused precisely: entry[2] is null (not a valid FHIR bundle)", () => {
      expectError(() => patientSummaryFromFhir(read("Bundle-Instance-Bundle-2df32f90-6f95-434e-9c29-4b9b0968f9e8.json")), "INPUT_INVALID", "entry[2]", /must be object/);
    });
  });

  describe("bad input gives a precise error", () => {
    const sophie = () => clone(demoBundle("sophie-weber-ps.json")) as Json;
    it("invalid JSON", () => expectError(() => parseBundleJson("{ \"resourceType\": "), "INPUT_INVALID", "(bundle)", /not valid JSON/));
    it("oversized input is refused before parsing", () => {
      const big = Buffer.alloc(50 * 1024 * 1024, 0x20);
      expectError(() => parseBundleJson(big), "INPUT_TOO_LARGE");
      expect(MAX_NATIONAL_BUNDLE_BYTES).to.be.lessThan(big.length);
    });
    it("not a Bundle", () => expectError(() => patientSummaryFromFhir({ resourceType: "Patient" }), "INPUT_INVALID", "resourceType", /must be "Bundle"/));
    it("not an object", () => expectError(() => patientSummaryFromFhir([1, 2]), "INPUT_INVALID", "(bundle)"));
    it("wrong bundle type", () => expectError(() => patientSummaryFromFhir({ ...sophie(), type: "batch" }), "INPUT_INVALID", "type", /must be one of/));
    it("missing Patient", () => {
      const b = sophie();
      b.entry = b.entry.filter((e) => e.resource.resourceType !== "Patient");
      expectError(() => patientSummaryFromFhir(b), "INPUT_INVALID", "entry", /no Patient/);
    });
    it("several Patients", () => {
      const b = sophie();
      const p = b.entry[entryOf(b, "Patient")]!;
      b.entry.push({ fullUrl: "urn:uuid:other", resource: { ...p.resource, id: "other" } });
      expectError(() => patientSummaryFromFhir(b), "INPUT_INVALID", `entry[${b.entry.length - 1}].resource`, /2 Patient/);
    });
    it("bad matricule", () => {
      const b = sophie();
      const i = entryOf(b, "Patient");
      (b.entry[i]!.resource.identifier as { value: string }[])[0]!.value = "1992031411228";
      expectError(() => patientSummaryFromFhir(b), "MATRICULE_INVALID", `entry[${i}].resource.identifier[0].value`, /Verhoeff/);
    });
    it("wrong type of a field", () => {
      const b = sophie();
      const i = entryOf(b, "Patient");
      b.entry[i]!.resource.birthDate = 19920314;
      expectError(() => patientSummaryFromFhir(b), "INPUT_INVALID", `entry[${i}].resource.birthDate`, /must be string/);
    });
    it("bad date", () => {
      const b = sophie();
      const i = entryOf(b, "Patient");
      b.entry[i]!.resource.birthDate = "14/03/1992";
      expectError(() => patientSummaryFromFhir(b), "INPUT_INVALID", `entry[${i}].resource.birthDate`, /wrong format/);
    });
    it("unknown code system URI names its location", () => {
      const b = sophie();
      const i = entryOf(b, "AllergyIntolerance");
      (b.entry[i]!.resource.code as { coding: { system: string }[] }).coding[0]!.system = "http://example.org/allergens";
      expectError(() => patientSummaryFromFhir(b), "INPUT_INVALID", `entry[${i}].resource.code.coding[0].system`, /example\.org\/allergens/);
    });
    it("unresolvable reference", () => {
      const b = sophie();
      const i = entryOf(b, "MedicationStatement");
      b.entry[i]!.resource.medicationReference = { reference: "Medication/missing" };
      expectError(() => patientSummaryFromFhir(b), "INPUT_INVALID", `entry[${i}].resource.medicationReference.reference`, /does not resolve/);
    });
    it("reference to the wrong resource type", () => {
      const b = sophie();
      const i = entryOf(b, "MedicationStatement");
      b.entry[i]!.resource.medicationReference = { reference: (b.entry[entryOf(b, "Patient")]!.fullUrl)! };
      expectError(() => patientSummaryFromFhir(b), "INPUT_INVALID", `entry[${i}].resource.medicationReference.reference`, /points at a Patient/);
    });
    it("document bundle not starting with a Composition", () => {
      const b = sophie();
      b.entry.push(b.entry.shift()!);
      expectError(() => patientSummaryFromFhir(b), "INPUT_INVALID", "entry[0].resource.resourceType", /start with a Composition/);
    });
    it("Composition that is not a Patient Summary", () => {
      const b = sophie();
      b.entry[0]!.resource.type = { coding: [{ system: "http://loinc.org", code: "57833-6" }] };
      expectError(() => patientSummaryFromFhir(b), "INPUT_INVALID", "entry[0].resource.type", /60591-5/);
    });
    it("absent/unknown code of the wrong kind", () => {
      const b = sophie();
      const i = entryOf(b, "Condition");
      b.entry[i]!.resource.code = { coding: [{ system: "http://hl7.org/fhir/uv/ips/CodeSystem/absent-unknown-uv-ips", code: "no-known-allergies" }] };
      expectError(() => patientSummaryFromFhir(b), "INPUT_INVALID", `entry[${i}].resource.code`, /allergies used in a problems/);
    });
  });

  it("keeps XML special and control characters in free text as text", () => {
    const b = clone(demoBundle("sophie-weber-ps.json")) as Json;
    const i = entryOf(b, "Consent");
    const text = "<script>alert('x')</script> & \u0001\u0007 fin";
    b.entry[i]!.resource.policyRule = { text };
    const s = patientSummaryFromFhir(b);
    expect(s.advanceDirectives[0]?.text).to.equal(text);
  });
});
