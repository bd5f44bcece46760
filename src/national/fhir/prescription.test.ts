import { expect } from "chai";
import { prescriptionsFromFhir } from "./prescription";
import { clone, demoBundle, expectError } from "./test-support";

type Json = Record<string, unknown> & { entry: { fullUrl?: string; resource: Record<string, unknown> }[] };
const requests = (b: Json) => b.entry.map((e, i) => ({ r: e.resource, i })).filter(({ r }) => r.resourceType === "MedicationRequest");

describe("national ePrescription bundle -> canonical Prescriptions", () => {
  it("(e) Marie Kieffer: three prescriptions, grouped by groupIdentifier, newest first", () => {
    const list = prescriptionsFromFhir(demoBundle("marie-kieffer-ep.json"));
    expect(list.map((p) => [p.id, p.status, p.items.length])).to.deep.equal([
      ["EP-2026-000102", "active", 1],
      ["EP-2026-000101", "active", 2],
      ["EP-2026-000087-1", "dispensed", 1],
    ]);
    const [notSubstitutable, twoItems, dispensed] = list;
    expect(notSubstitutable?.items[0]?.substitutionAllowed).to.equal(false);
    expect(notSubstitutable?.items[0]?.instructions).to.match(/Ne pas substituer/);
    expect(twoItems?.items.map((i) => i.substitutionAllowed)).to.deep.equal([true, true]);
    expect(dispensed?.items[0]).to.deep.include({ packages: 1, packagesDispensed: 1 });
  });

  it("reads product, ATC, dose form, strength, package, prescriber, validity, dosage", () => {
    const p = prescriptionsFromFhir(demoBundle("marie-kieffer-ep.json")).find((x) => x.id === "EP-2026-000101")!;
    const [retrovir, viramune] = p.items;
    expect(p.patient.ids[0]).to.deep.equal({ system: "1.3.182.4.4", value: "1968101545978" });
    expect(p.prescriber.name?.family).to.equal("Schroeder");
    expect(p.prescriber.organization?.name).to.match(/Centre Hospitalier de Luxembourg/);
    expect(p.issued).to.equal("2026-11-20T10:15:00+01:00");
    expect(p.validUntil).to.equal("2027-02-20");
    expect(p.language).to.equal("fr-LU");
    expect(retrovir?.id).to.equal("EP-2026-000101-1");
    expect(retrovir?.product.code).to.deep.include({ system: "1.3.182.5.47", code: "2009050307" });
    expect(retrovir?.product.atc?.code).to.equal("J05AF01");
    expect(retrovir?.product.doseForm?.coding?.code).to.equal("461");
    expect(retrovir?.product.ingredients[0]?.strength).to.deep.equal({ numerator: { value: "100", unit: "mg" }, denominator: { value: "10", unit: "mL" } });
    expect(retrovir?.product.package?.quantity).to.deep.equal({ value: "200", unit: "1" });
    expect(retrovir?.packages).to.equal(2); // quantity in {package}
    expect(retrovir?.period).to.deep.equal({ start: "2026-11-20", end: "2027-01-20" });
    expect(retrovir?.reason?.coding?.code).to.equal("B20");
    // 120 tablets, 60 per box -> 2 packages.
    expect(viramune?.packages).to.equal(2);
    expect(viramune?.dosage[0]).to.deep.include({ frequency: 2, dose: { value: "1", unit: "1" } });
  });

  it("(e) Henri Wagner: units rounded up to whole packages; cancelled prescription", () => {
    const list = prescriptionsFromFhir(demoBundle("henri-wagner-ep.json"));
    expect(list.map((p) => [p.id, p.status])).to.deep.equal([["EP-2026-000210-1", "active"], ["EP-2026-000195-1", "cancelled"]]);
    expect(list[0]?.items[0]?.packages).to.equal(3); // 180 tablets / 60 per box
    expect(list[0]?.items[0]?.dosage[0]?.when).to.deep.equal(["CM", "CV"]);
  });

  it("a group mixing dispensed and open items is partially-dispensed", () => {
    const b = clone(demoBundle("marie-kieffer-ep.json")) as Json;
    requests(b)[0]!.r.status = "completed";
    const p = prescriptionsFromFhir(b).find((x) => x.id === "EP-2026-000101")!;
    expect(p.status).to.equal("partially-dispensed");
    expect(p.items.map((i) => i.packagesDispensed)).to.deep.equal([2, 0]);
  });

  it("draft / on-hold / entered-in-error requests are not offered", () => {
    const b = clone(demoBundle("henri-wagner-ep.json")) as Json;
    requests(b)[1]!.r.status = "entered-in-error";
    expect(prescriptionsFromFhir(b).map((p) => p.id)).to.deep.equal(["EP-2026-000210-1"]);
  });

  it("resolves a contained Medication (#id); a contained resource cannot contain another (dom-2)", () => {
    const b = clone(demoBundle("henri-wagner-ep.json")) as Json;
    const { r } = requests(b)[0]!;
    const ref = (r.medicationReference as { reference: string }).reference;
    const medIndex = b.entry.findIndex((e) => `Medication/${e.resource.id as string}` === ref);
    const med = { ...b.entry[medIndex]!.resource, id: "med" };
    b.entry.splice(medIndex, 1);
    r.contained = [med];
    r.medicationReference = { reference: "#med" };
    const p = prescriptionsFromFhir(b).find((x) => x.id === "EP-2026-000210-1")!;
    expect(p.items[0]?.product.atc?.code).to.equal("A10BA02");
    expect(p.items[0]?.packages).to.equal(3);
    const i = requests(b)[0]!.i;
    (r.contained as Record<string, unknown>[])[0]!.contained = [{ resourceType: "Substance" }];
    expectError(() => prescriptionsFromFhir(b), "INPUT_INVALID", `entry[${i}].resource.contained[0].contained`);
  });

  describe("bad input gives a precise error", () => {
    const henri = () => clone(demoBundle("henri-wagner-ep.json")) as Json;
    it("no MedicationRequest", () => {
      const b = henri();
      b.entry = b.entry.filter((e) => e.resource.resourceType !== "MedicationRequest");
      expectError(() => prescriptionsFromFhir(b), "INPUT_INVALID", "entry", /no MedicationRequest/);
    });
    it("no quantity", () => {
      const b = henri();
      const { r, i } = requests(b)[0]!;
      delete (r.dispenseRequest as Record<string, unknown>).quantity;
      expectError(() => prescriptionsFromFhir(b), "INPUT_INVALID", `entry[${i}].resource.dispenseRequest.quantity`);
    });
    it("quantity in units without a known package content", () => {
      const b = henri();
      const { i } = requests(b)[0]!;
      for (const e of b.entry) if (e.resource.resourceType === "Medication") delete e.resource.amount;
      expectError(() => prescriptionsFromFhir(b), "INPUT_INVALID", `entry[${i}].resource.dispenseRequest.quantity`, /package content is unknown/);
    });
    it("fractional number of packages", () => {
      const b = henri();
      const { r, i } = requests(b)[1]!;
      (r.dispenseRequest as { quantity: { value: number } }).quantity.value = 1.5;
      expectError(() => prescriptionsFromFhir(b), "INPUT_INVALID", `entry[${i}].resource.dispenseRequest.quantity.value`, /whole/);
    });
    it("missing prescriber", () => {
      const b = henri();
      const { r, i } = requests(b)[0]!;
      delete r.requester;
      expectError(() => prescriptionsFromFhir(b), "INPUT_INVALID", `entry[${i}].resource.requester`);
    });
    it("unknown status value", () => {
      const b = henri();
      const { r, i } = requests(b)[0]!;
      r.status = "paused";
      expectError(() => prescriptionsFromFhir(b), "INPUT_INVALID", `entry[${i}].resource.status`, /must be one of/);
    });
    it("not an order", () => {
      const b = henri();
      const { r, i } = requests(b)[0]!;
      r.intent = "proposal";
      expectError(() => prescriptionsFromFhir(b), "INPUT_INVALID", `entry[${i}].resource.intent`);
    });
    it("substitution code from another system", () => {
      const b = henri();
      const { r, i } = requests(b)[0]!;
      r.substitution = { allowedCodeableConcept: { coding: [{ system: "http://snomed.info/sct", code: "123" }] } };
      expectError(() => prescriptionsFromFhir(b), "INPUT_INVALID", `entry[${i}].resource.substitution.allowedCodeableConcept`);
    });
    it("subject is another patient", () => {
      const b = henri();
      const { r, i } = requests(b)[0]!;
      r.subject = { reference: "Patient/someone-else" };
      expectError(() => prescriptionsFromFhir(b), "INPUT_INVALID", `entry[${i}].resource.subject.reference`, /does not resolve/);
    });
  });
});
