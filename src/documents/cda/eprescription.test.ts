import { DOMParser } from "@xmldom/xmldom";
import { expect } from "chai";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import xpath from "xpath";
import { ehdsiPath } from "../../../test/helpers/ehdsi";
import { expectGolden, goldenCases, readJson } from "../../../test/helpers/golden";
import type { Prescription } from "../../canonical/model";
import { isPasserelleError } from "../../shared/errors";
import { buildEPrescriptionL3 } from "./eprescription";
import { checkBindings } from "./bindings-check";
import { cdaSchema, clone, testContext } from "./ep-ed.fixtures";

const GOLDEN = new URL("../../../test/golden/ep/", import.meta.url).pathname;
const select = xpath.useNamespaces({ h: "urn:hl7-org:v3", pharm: "urn:hl7-org:pharm" });

function dom(xml: string) {
  return new DOMParser().parseFromString(xml, "text/xml");
}
function values(xml: string, expr: string): string[] {
  return (select(expr, dom(xml) as unknown as Node) as unknown as { nodeValue?: string; textContent?: string }[]).map((n) => n.nodeValue ?? n.textContent ?? "");
}
function fixture(name: string): Prescription {
  return readJson<Prescription>(`${GOLDEN}${name}.json`);
}
function expectValid(xml: string): void {
  const r = cdaSchema().validate(xml);
  expect(r.errors, JSON.stringify(r.errors.slice(0, 3))).to.deep.equal([]);
}

/** Every coded element in its MVC value set, or a nullFlavor its usage allows (bindings-check.ts). */
function expectBindings(xml: string): void {
  const report = checkBindings(xml, testContext().terminology);
  expect(report.findings.filter((f) => f.severity === "error")).to.deep.equal([]);
  expect(report.checked).to.be.greaterThan(5);
}

describe("ePrescription pivot L3", () => {
  const ctx = testContext();

  describe("golden files (test/golden/ep)", () => {
    for (const c of goldenCases(GOLDEN)) {
      it(`${c.name}: validates against CDA_Pharma.xsd and matches ${c.name}.xml`, () => {
        const xml = buildEPrescriptionL3(readJson<Prescription>(c.input), ctx);
        expectValid(xml);
        expectBindings(xml);
        expectGolden(c.expected, xml);
      });
    }
  });

  it("has one substanceAdministration moodCode INT per item, ids = item ids, under section 57828-6", () => {
    const p = fixture("two-items");
    const xml = buildEPrescriptionL3(p, ctx);
    expect(values(xml, "/h:ClinicalDocument/h:templateId/@root")).to.include("1.3.6.1.4.1.12559.11.10.1.3.1.1.1");
    const section = "/h:ClinicalDocument/h:component/h:structuredBody/h:component/h:section[h:code/@code='57828-6']";
    expect(values(xml, `${section}/h:id/@extension`)).to.deep.equal(["RX-2026-0001"]);
    expect(values(xml, `${section}/h:entry/h:substanceAdministration[@moodCode='INT']/h:id/@extension`)).to.deep.equal(["RX-2026-0001-1", "RX-2026-0001-2"]);
    expect(values(xml, `${section}/h:entry/h:substanceAdministration/h:templateId[@root='1.3.6.1.4.1.12559.11.10.1.3.1.3.2']/@root`)).to.have.length(2);
  });

  it("codes dosage, packages, product and substitution as the Wave 8 sample does", () => {
    const xml = buildEPrescriptionL3(fixture("two-items"), ctx);
    const sa = "//h:substanceAdministration[h:id/@extension='RX-2026-0001-1']";
    // 3 a day -> every 8 h (PIVL_TS); the treatment period as IVL_TS
    expect(values(xml, `${sa}/h:effectiveTime[h:period]/h:period/@value`)).to.deep.equal(["8"]);
    expect(values(xml, `${sa}/h:effectiveTime[h:period]/h:period/@unit`)).to.deep.equal(["h"]);
    expect(values(xml, `${sa}/h:effectiveTime/h:low/@value`)).to.deep.equal(["20261120"]);
    expect(values(xml, `${sa}/h:routeCode/@code`)).to.deep.equal(["20053000"]);
    expect(values(xml, `${sa}/h:entryRelationship/h:supply[@moodCode='RQO']/h:quantity/@value`)).to.deep.equal(["2"]);
    // validity of the prescription: issue .. validUntil
    expect(values(xml, `${sa}/h:entryRelationship/h:supply/h:effectiveTime/h:high/@value`)).to.deep.equal(["20270220"]);
    const material = `${sa}/h:consumable/h:manufacturedProduct/h:manufacturedMaterial`;
    expect(values(xml, `${material}/h:code/@code`)).to.deep.equal(["0123456"]);
    expect(values(xml, `${material}/pharm:formCode/@code`)).to.deep.equal(["10219000"]);
    expect(values(xml, `${material}/pharm:asContent/pharm:quantity/@value`)).to.deep.equal(["30"]);
    expect(values(xml, `${material}/pharm:asContent/pharm:containerPackagedProduct/pharm:formCode/@code`)).to.deep.equal(["30007000"]);
    expect(values(xml, `${material}/pharm:asSpecializedKind/pharm:generalizedMaterialKind/pharm:code/@code`)).to.deep.equal(["N02BE01"]);
    expect(values(xml, `${material}/pharm:ingredient[@classCode='ACTI']/pharm:quantity/h:numerator/@unit`)).to.deep.equal(["mg"]);
    expect(values(xml, `${sa}/h:entryRelationship/h:observation[h:code/@code='SUBST']/h:value/@code`)).to.deep.equal(["G"]);
    // the second item: event-related timing (EIVL_TS HS), IU per mL strength, not substitutable
    const sa2 = "//h:substanceAdministration[h:id/@extension='RX-2026-0001-2']";
    expect(values(xml, `${sa2}/h:effectiveTime/h:event/@code`)).to.deep.equal(["HS"]);
    expect(values(xml, `${sa2}//pharm:ingredient/pharm:quantity/h:denominator/@unit`)).to.deep.equal(["mL"]);
    expect(values(xml, `${sa2}/h:entryRelationship/h:observation[h:code/@code='SUBST']/h:value/@code`)).to.deep.equal(["N"]);
  });

  it("transcodes national codes to MVC and keeps them as translation", () => {
    const xml = buildEPrescriptionL3(fixture("not-substitutable-national-codes"), ctx);
    expectValid(xml);
    expectBindings(xml);
    const material = "//h:manufacturedMaterial";
    expect(values(xml, `${material}/pharm:formCode/@code`)).to.deep.equal(["10105000"]);
    expect(values(xml, `${material}/pharm:formCode/h:translation/@code`)).to.deep.equal(["461"]);
    expect(values(xml, "//h:substanceAdministration/h:routeCode/h:translation/@code")).to.deep.equal(["38"]);
    // no ATC in the record: the RNFA classification is present with a nullFlavor
    expect(values(xml, `${material}/pharm:asSpecializedKind/pharm:generalizedMaterialKind/pharm:code/@nullFlavor`)).to.deep.equal(["NI"]);
    // twice a day -> every 12 h; 25 mL a dose
    expect(values(xml, "//h:substanceAdministration/h:effectiveTime/h:period/@value")).to.deep.equal(["12"]);
    expect(values(xml, "//h:substanceAdministration/h:doseQuantity/@unit")).to.deep.equal(["mL"]);
  });

  it("refuses a required dose form without mapping with ERROR_EP_MISSING_EXPECTED_MAPPING naming element and code", () => {
    const p = fixture("two-items");
    p.items[1]!.product.doseForm = { coding: { code: "999", system: "1.3.182.5.36", display: "forme inconnue" } };
    expect(() => buildEPrescriptionL3(p, ctx))
      .to.throw(/medication\.doseForm.*999/)
      .that.satisfies((e: unknown) => isPasserelleError(e, "ERROR_EP_MISSING_EXPECTED_MAPPING"));
    delete p.items[1]!.product.doseForm;
    expect(() => buildEPrescriptionL3(p, ctx)).to.throw().that.satisfies((e: unknown) => isPasserelleError(e, "ERROR_EP_MISSING_EXPECTED_MAPPING"));
  });

  it("escapes XML specials and drops control characters in free text, and stays XSD-valid", () => {
    const p = fixture("two-items");
    p.items[0]!.instructions = "a < b && c > d \"q\" 'x' ]]> \u0000\u0001\u0008\u000b\u001f\ufffe end";
    p.items[0]!.product.name = "<script>alert(1)</script> & \u0007 Co";
    p.patient.names[0]!.family = "O'Brien <&>";
    const xml = buildEPrescriptionL3(p, ctx);
    expectValid(xml);
    expect(values(xml, "//h:content[@ID='ep-pinstruct-1']")).to.deep.equal(["a < b && c > d \"q\" 'x' ]]>  end"]);
    expect(values(xml, "//h:manufacturedMaterial/h:name")[0]).to.equal("<script>alert(1)</script> &  Co");
    expect(values(xml, "//h:recordTarget//h:family")).to.deep.equal(["O'Brien <&>"]);
  });

  it("refuses data that cannot make a valid document with DOCUMENT_INVALID", () => {
    const bad: [string, (p: Prescription) => void][] = [
      ["zero packages", (p) => (p.items[0]!.packages = 0)],
      ["decimal comma", (p) => (p.items[0]!.dosage[0]!.dose = { value: "1,5", unit: "1" })],
      ["unit with a space", (p) => (p.items[0]!.product.ingredients[0]!.strength!.numerator.unit = "m g")],
      ["impossible date", (p) => (p.items[0]!.period = { start: "2026-02-30" })],
      ["frequency 0", (p) => (p.items[0]!.dosage[0]!.frequency = 0)],
    ];
    for (const [what, mutate] of bad) {
      const p = fixture("two-items");
      mutate(p);
      expect(() => buildEPrescriptionL3(p, ctx), what).to.throw().that.satisfies((e: unknown) => isPasserelleError(e, "DOCUMENT_INVALID"));
    }
  });

  it("validates for generated prescriptions (items, strengths, units, free text)", () => {
    const base = fixture("two-items");
    const decimal = fc.tuple(fc.integer({ min: 0, max: 100000 }), fc.integer({ min: 0, max: 999 })).map(([i, f]) => (f === 0 ? `${i}` : `${i}.${f}`));
    const unit = fc.constantFrom("mg", "g", "ug", "mL", "[IU]", "1", "mg/mL", "{puff}");
    const item = fc.record({
      name: fc.string({ minLength: 1, maxLength: 40 }),
      instructions: fc.option(fc.string({ maxLength: 60 }), { nil: undefined }),
      packages: fc.integer({ min: 1, max: 99 }),
      substitutionAllowed: fc.boolean(),
      num: decimal,
      numUnit: unit,
      den: decimal.filter((d) => Number(d) > 0),
      denUnit: unit,
      perDay: fc.integer({ min: 1, max: 6 }),
    });
    fc.assert(
      fc.property(fc.array(item, { minLength: 1, maxLength: 5 }), (items) => {
        const p = clone(base);
        const template = base.items[0]!;
        p.items = items.map((g, i) => {
          const it = clone(template);
          it.id = `GEN-${i}`;
          it.product.name = g.name;
          it.packages = g.packages;
          it.substitutionAllowed = g.substitutionAllowed;
          it.dosage[0]!.frequency = g.perDay;
          it.product.ingredients[0]!.strength = { numerator: { value: g.num, unit: g.numUnit }, denominator: { value: g.den, unit: g.denUnit } };
          if (g.instructions === undefined) delete it.instructions;
          else it.instructions = g.instructions;
          return it;
        });
        const xml = buildEPrescriptionL3(p, ctx);
        expect(cdaSchema().validate(xml).errors).to.deep.equal([]);
        expect(values(xml, "//h:substanceAdministration[@moodCode='INT']")).to.have.length(items.length);
      }),
      { numRuns: 60 },
    );
  });

  it("reads the eHDSI sample 1-1234-W8.xml with the same structure paths the builder writes", () => {
    // The Wave 8 sample is what the builder imitates: the paths checked above exist in it too.
    const sample = dom(readFileSync(ehdsiPath("cda", "openncp", "1-1234-W8.xml"), "utf8"));
    const sa = "//h:section[h:code/@code='57828-6']/h:entry/h:substanceAdministration[@moodCode='INT']";
    expect(select(`${sa}/h:consumable/h:manufacturedProduct/h:manufacturedMaterial/pharm:formCode`, sample as unknown as Node)).to.have.length(1);
    expect(select(`${sa}/h:entryRelationship/h:supply[@moodCode='RQO']/h:quantity`, sample as unknown as Node)).to.have.length(1);
    expect(select(`${sa}/h:entryRelationship/h:observation[h:code/@code='SUBST']/h:value`, sample as unknown as Node)).to.have.length(1);
  });
});
