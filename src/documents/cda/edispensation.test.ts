import { DOMParser } from "@xmldom/xmldom";
import { expect } from "chai";
import xpath from "xpath";
import { expectGolden, goldenCases } from "../../../test/helpers/golden";
import type { Dispensation } from "../../canonical/model";
import { isPasserelleError } from "../../shared/errors";
import { buildEDispensationL3 } from "./edispensation";
import { checkBindings } from "./bindings-check";
import { cdaSchema, clone, readEdInput, testContext } from "./ep-ed.fixtures";
import { parseEDispensation } from "./parse-edispensation";

const GOLDEN = new URL("../../../test/golden/ed/", import.meta.url).pathname;
const select = xpath.useNamespaces({ h: "urn:hl7-org:v3", pharm: "urn:hl7-org:pharm" });

function values(xml: string, expr: string): string[] {
  const doc = new DOMParser().parseFromString(xml, "text/xml");
  return (select(expr, doc as unknown as Node) as unknown as { nodeValue?: string; textContent?: string }[]).map((n) => n.nodeValue ?? n.textContent ?? "");
}
function expectValid(xml: string): void {
  const r = cdaSchema().validate(xml);
  expect(r.errors, JSON.stringify(r.errors.slice(0, 3))).to.deep.equal([]);
}
const input = () => readEdInput(`${GOLDEN}two-items-substituted.json`);

describe("eDispensation pivot L3", () => {
  const ctx = testContext();

  describe("golden files (test/golden/ed)", () => {
    for (const c of goldenCases(GOLDEN)) {
      it(`${c.name}: validates against CDA_Pharma.xsd, matches ${c.name}.xml, parses back to the same model`, () => {
        const { dispensation, prescription } = readEdInput(c.input);
        const xml = buildEDispensationL3(dispensation, ctx, prescription);
        expectValid(xml);
        const report = checkBindings(xml, ctx.terminology);
        expect(report.findings.filter((f) => f.severity === "error")).to.deep.equal([]);
        expectGolden(c.expected, xml);
        expect(parseEDispensation(xml)).to.deep.equal(dispensation);
      });
    }
  });

  it("has one supply moodCode EVN per item referring to the eP and its items", () => {
    const { dispensation, prescription } = input();
    const xml = buildEDispensationL3(dispensation, ctx, prescription);
    expect(values(xml, "/h:ClinicalDocument/h:templateId/@root")).to.deep.equal(["1.3.6.1.4.1.12559.11.10.1.3.1.1.2"]);
    expect(values(xml, "/h:ClinicalDocument/h:inFulfillmentOf/h:order/h:id/@extension")).to.deep.equal(["RX-2026-0001"]);
    const supply = "//h:section[h:code/@code='60590-7']/h:entry/h:supply[@moodCode='EVN']";
    expect(values(xml, `${supply}/h:quantity/@value`)).to.deep.equal(["1", "1"]);
    expect(values(xml, `${supply}/h:entryRelationship[@typeCode='REFR']/h:substanceAdministration[@moodCode='INT']/h:id/@extension`)).to.deep.equal([
      "RX-2026-0001-1",
      "RX-2026-0001-2",
    ]);
    // the substituted item says so; the REFR carries the prescribed product, the supply the dispensed one
    expect(values(xml, `(${supply})[1]/h:entryRelationship/h:act[h:code/@code='SUBST']//h:value/@code`)).to.deep.equal(["G"]);
    expect(values(xml, `(${supply})[2]/h:entryRelationship/h:act[h:code/@code='SUBST']`)).to.deep.equal([]);
    expect(values(xml, `(${supply})[1]/h:product//h:manufacturedMaterial/h:name`)).to.deep.equal(["Paracetamol EG 500 mg"]);
    expect(values(xml, `(${supply})[1]/h:entryRelationship/h:substanceAdministration//h:manufacturedMaterial/h:name`)).to.deep.equal(["Dafalgan 500 mg"]);
    // pharmacist and pharmacy
    expect(values(xml, `(${supply})[1]/h:performer/h:assignedEntity/h:assignedPerson/h:name/h:family`)).to.deep.equal(["Schmit"]);
    expect(values(xml, `(${supply})[1]/h:performer/h:assignedEntity/h:representedOrganization/h:name`)).to.deep.equal(['Pharmacie du Centre "Ste-Anne"']);
    expect(values(xml, "/h:ClinicalDocument/h:author/h:functionCode/@code")).to.deep.equal(["2262"]);
  });

  it("builds without the prescription; a substituted item's prescribed product is then unknown", () => {
    const { dispensation } = input();
    const xml = buildEDispensationL3(dispensation, ctx);
    expectValid(xml);
    const refr = "//h:supply/h:entryRelationship[@typeCode='REFR']/h:substanceAdministration/h:consumable/h:manufacturedProduct/h:manufacturedMaterial";
    expect(values(xml, `${refr}/@nullFlavor`)).to.deep.equal(["UNK"]);
    expect(values(xml, `${refr}/h:name`)).to.deep.equal(["Lantus SoloStar 100 U/mL"]);
    expect(parseEDispensation(xml)).to.deep.equal(dispensation);
  });

  it("refuses a dispensation that does not fit its prescription or counts no package", () => {
    const cases: [string, (d: Dispensation) => void, RegExp][] = [
      ["other prescription", (d) => (d.prescriptionId = "RX-OTHER"), /RX-OTHER/],
      ["unknown item", (d) => (d.items[0]!.prescriptionItemId = "RX-2026-0001-9"), /no item "RX-2026-0001-9"/],
      ["zero packages", (d) => (d.items[1]!.packages = 0), /positive whole number/],
      ["fractional packages", (d) => (d.items[1]!.packages = 1.5), /positive whole number/],
      ["no items", (d) => (d.items = []), /at least one/],
      ["bad substitution code", (d) => (d.items[0]!.substitutionCode = "generic"), /substanceAdminSubstitution/],
    ];
    for (const [what, mutate, message] of cases) {
      const { dispensation, prescription } = input();
      const d = clone(dispensation);
      mutate(d);
      expect(() => buildEDispensationL3(d, ctx, prescription), what)
        .to.throw(message)
        .that.satisfies((e: unknown) => isPasserelleError(e, "DISPENSATION_INVALID"));
    }
  });

  it("refuses an unmapped dispensed dose form with ERROR_ED_MISSING_EXPECTED_MAPPING", () => {
    const { dispensation, prescription } = input();
    dispensation.items[0]!.product.doseForm = { coding: { code: "XX", system: "1.3.182.5.36" } };
    expect(() => buildEDispensationL3(dispensation, ctx, prescription)).to.throw().that.satisfies((e: unknown) => isPasserelleError(e, "ERROR_ED_MISSING_EXPECTED_MAPPING"));
  });

  it("keeps XML specials and drops control characters in names, and stays XSD-valid", () => {
    const { dispensation, prescription } = input();
    dispensation.items[0]!.product.name = "A & B <gélules> \u0002\u001b]]>";
    dispensation.pharmacy!.name = "Pharmacie \"L'Étoile\" & Cie";
    const xml = buildEDispensationL3(dispensation, ctx, prescription);
    expectValid(xml);
    const back = parseEDispensation(xml);
    expect(back.items[0]!.product.name).to.equal("A & B <gélules> ]]>");
    expect(back.pharmacy!.name).to.equal("Pharmacie \"L'Étoile\" & Cie");
  });
});
