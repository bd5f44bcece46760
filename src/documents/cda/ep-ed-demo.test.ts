// Every demo ePrescription of the national store (src/national/demo/*-ep.json, through the FHIR
// converter) makes an XSD-valid eP, and a dispensation of it an XSD-valid eD that parses back.
import { expect } from "chai";
import { readdirSync, readFileSync } from "node:fs";
import type { Dispensation, Prescription } from "../../canonical/model";
import { prescriptionsFromFhir } from "../../national/fhir/prescription";
import { buildEDispensationL3 } from "./edispensation";
import { buildEPrescriptionL3 } from "./eprescription";
import { checkBindings } from "./bindings-check";
import { cdaSchema, testContext } from "./ep-ed.fixtures";
import { parseEDispensation } from "./parse-edispensation";

const DEMO = new URL("../../national/demo/", import.meta.url).pathname;

function demoPrescriptions(): { file: string; p: Prescription }[] {
  return readdirSync(DEMO)
    .filter((f) => f.endsWith("-ep.json"))
    .sort()
    .flatMap((file) => prescriptionsFromFhir(JSON.parse(readFileSync(`${DEMO}${file}`, "utf8"))).map((p) => ({ file, p })));
}

function dispensationOf(p: Prescription): Dispensation {
  return {
    id: `1.3.182.10.1.9^ED-${p.id}`,
    prescriptionId: p.id,
    patient: p.patient,
    dispenser: { id: { system: "1.3.182.4.5", value: "PH-1" }, name: { family: "Reuter", given: ["Lisa"] }, role: { code: "2262", system: "2.16.840.1.113883.2.9.6.2.7", display: "Pharmacists" } },
    pharmacy: { id: { system: "1.3.182.4.6", value: "PHARMA-1" }, name: "Pharmacie de la Gare", address: { lines: ["1, avenue de la Gare"], city: "Esch-sur-Alzette", country: "LU" } },
    time: "2026-11-25T09:00:00+01:00",
    items: p.items.map((i) => ({ prescriptionItemId: i.id, product: i.product, packages: Math.max(1, i.packages - i.packagesDispensed), substituted: false })),
    language: p.language,
  };
}

describe("eP and eD of the demo prescriptions", () => {
  const ctx = testContext();
  const all = demoPrescriptions();

  it("finds the demo prescriptions (several, one not substitutable, one dispensed)", () => {
    expect(all.length).to.be.greaterThanOrEqual(3);
    expect(all.some(({ p }) => p.items.some((i) => !i.substitutionAllowed))).to.equal(true);
    expect(all.some(({ p }) => p.status === "dispensed")).to.equal(true);
  });

  for (const { file, p } of demoPrescriptions()) {
    it(`${file} ${p.id}: eP and eD validate against CDA_Pharma.xsd; the eD parses back`, () => {
      const ep = buildEPrescriptionL3(p, ctx);
      const epResult = cdaSchema().validate(ep);
      expect(epResult.errors, "eP").to.deep.equal([]);
      expect(checkBindings(ep, ctx.terminology).findings.filter((f) => f.severity === "error"), "eP bindings").to.deep.equal([]);
      for (const item of p.items) expect(ep).to.contain(`extension="${item.id}"`);

      const d = dispensationOf(p);
      const ed = buildEDispensationL3(d, ctx, p);
      expect(cdaSchema().validate(ed).errors, "eD").to.deep.equal([]);
      expect(checkBindings(ed, ctx.terminology).findings.filter((f) => f.severity === "error"), "eD bindings").to.deep.equal([]);
      const back = parseEDispensation(ed);
      expect(back.id).to.equal(d.id);
      expect(back.prescriptionId).to.equal(p.id);
      expect(back.items.map((i) => [i.prescriptionItemId, i.packages, i.substituted, i.product.name])).to.deep.equal(
        d.items.map((i) => [i.prescriptionItemId, i.packages, false, i.product.name]),
      );
      expect(back.dispenser.name).to.deep.equal(d.dispenser.name);
      expect(back.pharmacy?.name).to.equal("Pharmacie de la Gare");
      expect(back.patient.ids).to.deep.equal(p.patient.ids);
    });
  }
});
