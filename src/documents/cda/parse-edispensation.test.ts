import { expect } from "chai";
import { readdirSync, readFileSync } from "node:fs";
import { ehdsiPath } from "../../../test/helpers/ehdsi";
import { isPasserelleError, type PasserelleError } from "../../shared/errors";
import { parseEDispensation } from "./parse-edispensation";

const FOREIGN = ehdsiPath("cda", "edispensation-foreign");
const read = (name: string) => readFileSync(`${FOREIGN}/${name}`, "utf8");

function refusal(xml: string): PasserelleError {
  try {
    parseEDispensation(xml);
  } catch (e) {
    expect(isPasserelleError(e, "DISPENSATION_INVALID"), String(e)).to.equal(true);
    return e as PasserelleError;
  }
  return expect.fail("the document was accepted");
}

describe("parseEDispensation (foreign eDispensations)", () => {
  // What each real eD says, read off the files by hand.
  const expected: Record<string, { prescription: string; item: string; packages: number; substituted: boolean; product: string; pharmacist: string; time: string }> = {
    "CzRequest1.xml": { prescription: "469854419288102", item: "469854419288102", packages: 1, substituted: false, product: "Pinex", pharmacist: "HRABÁČEK", time: "2024-11-25T14:48:04+00:00" },
    "CzRequest3.xml": { prescription: "481756398918101", item: "481756398918101", packages: 1, substituted: false, product: "CORBILTA", pharmacist: "Faukner", time: "2025-04-08T00:00:00+02:00" },
    "GrRequest1.xml": { prescription: "465668632384101", item: "465668632384101", packages: 1, substituted: true, product: "ALGOCIT", pharmacist: "pharmacist", time: "2024-11-21T19:14:21+02:00" },
    "PlRequest1.xml": { prescription: "481295000650102", item: "481295000650102", packages: 1, substituted: false, product: "Asubtela", pharmacist: "Testowy", time: "2025-04-04T12:21:29+01:00" },
    "dispensation1.xml": { prescription: "462617619087101", item: "462617619087101", packages: 1, substituted: true, product: "test product", pharmacist: "familyName", time: "2024-09-11T13:43:56+02:00" },
    "malta20250320dispensation.xml": { prescription: "480003371650102", item: "480003371650102", packages: 1, substituted: true, product: "Paracetamol 10 mg/ml solution for infusion", pharmacist: "pharmacist", time: "2025-03-20T14:43:55+01:00" },
  };

  it("knows every file of the foreign folder", () => {
    expect(readdirSync(FOREIGN).sort()).to.deep.equal([...Object.keys(expected), "dispensation_bad_1.xml"].sort());
  });

  for (const [file, want] of Object.entries(expected)) {
    it(`parses ${file}`, () => {
      const d = parseEDispensation(read(file));
      expect(d.prescriptionId).to.equal(want.prescription);
      expect(d.items).to.have.length(1);
      const item = d.items[0]!;
      expect(item.prescriptionItemId).to.equal(want.item);
      expect(item.packages).to.equal(want.packages);
      expect(item.substituted).to.equal(want.substituted);
      expect(item.product.name).to.equal(want.product);
      expect(d.dispenser.name?.family).to.equal(want.pharmacist);
      expect(d.dispenser.role?.code).to.equal("2262");
      expect(d.time).to.equal(want.time);
      expect(d.patient.ids[0]!.system).to.equal("1.2.208.176.1.2");
      expect(d.id).to.match(/^[0-9.]+\^.+$/);
    });
  }

  it("reads product details: national code, EDQM form, ATC, package, strengths", () => {
    const pl = parseEDispensation(read("PlRequest1.xml")).items[0]!.product;
    expect(pl.code).to.deep.include({ code: "100224877", system: "2.16.840.1.113883.3.4424.6.1" });
    expect(pl.doseForm?.coding).to.deep.include({ code: "10221000", system: "0.4.0.127.0.16.1.1.2.1" });
    expect(pl.atc).to.deep.include({ code: "G03AA12", system: "2.16.840.1.113883.6.73" });
    expect(pl.package?.quantity).to.deep.equal({ value: "21", unit: "1" });
    expect(pl.ingredients.map((i) => [i.substance.text, i.strength?.numerator.value, i.strength?.numerator.unit])).to.deep.equal([
      ["Drospirenonum", "3", "mg"],
      ["Ethinylestradiol", "0.03", "mg"],
    ]);
    const cz = parseEDispensation(read("CzRequest3.xml"));
    expect(cz.pharmacy).to.deep.include({ name: "Lékárna U Stromu" });
    // streetName + houseNumber instead of streetAddressLine
    expect(cz.pharmacy?.address).to.deep.include({ lines: ["Šrobárova 48"], city: "Praha", country: "CZ" });
  });

  it("refuses dispensation_bad_1.xml (negative quantity), naming the element and the value", () => {
    const e = refusal(read("dispensation_bad_1.xml"));
    expect(e.message).to.contain("supply/quantity/@value").and.to.contain('"-1"');
    expect(e.details.location).to.equal("/ClinicalDocument/component/structuredBody/component/section/entry/supply/quantity/@value");
    expect(e.details.value).to.equal("-1");
  });

  const good = () => read("dispensation1.xml");

  it("refuses a missing, non-numeric, zero or fractional quantity", () => {
    const q = '<hl7:quantity value="1" unit="1" />';
    expect(good()).to.contain(q);
    expect(refusal(good().replace(q, "")).message).to.match(/missing dispensed quantity/);
    expect(refusal(good().replace(q, '<hl7:quantity unit="1" />')).message).to.match(/missing dispensed quantity/);
    expect(refusal(good().replace(q, '<hl7:quantity value="one" unit="1" />')).message).to.match(/not a number: "one"/);
    expect(refusal(good().replace(q, '<hl7:quantity value="0" unit="1" />')).message).to.match(/must be positive, found "0"/);
    expect(refusal(good().replace(q, '<hl7:quantity value="1.5" unit="1" />')).message).to.match(/whole number of packages, found "1.5"/);
    expect(refusal(good().replace(q, '<hl7:quantity value="2" unit="mL" />')).message).to.match(/unit "mL"/);
  });

  it("refuses a missing prescription or prescription item reference", () => {
    const order = /<hl7:inFulfillmentOf>[\s\S]*?<\/hl7:inFulfillmentOf>/;
    expect(refusal(good().replace(order, "")).message).to.match(/missing prescription reference/);
    const twoOrders = good().replace("</hl7:inFulfillmentOf>", '</hl7:inFulfillmentOf><hl7:inFulfillmentOf><hl7:order moodCode="RQO"><hl7:id root="1.2.3" extension="OTHER"/></hl7:order></hl7:inFulfillmentOf>');
    expect(refusal(twoOrders).message).to.match(/several prescriptions: 462617619087101, OTHER/);
    const refr = /<hl7:entryRelationship typeCode="REFR">[\s\S]*?<\/hl7:entryRelationship>/;
    expect(refusal(good().replace(refr, "")).message).to.match(/missing reference to the prescription item/);
  });

  it("refuses documents of an unknown structure", () => {
    expect(refusal("<notCda/>").message).to.match(/not a CDA ClinicalDocument/);
    expect(refusal('<ClinicalDocument xmlns="urn:other"/>').message).to.match(/not a CDA ClinicalDocument/);
    expect(refusal("<ClinicalDocument xmlns='urn:hl7-org:v3'><unclosed></ClinicalDocument>").message).to.match(/not well-formed/);
    expect(refusal("").message).to.match(/not well-formed|not a CDA/);
    // a Patient Summary is a CDA document, but not an eD
    const ps = readFileSync(ehdsiPath("cda", "openncp", "2-5678-W8.xml"), "utf8");
    expect(refusal(ps).message).to.match(/not an eHDSI eDispensation/);
    // right template, but no dispensation section / no supply
    expect(refusal(good().replace('code="60590-7"', 'code="10160-0"')).message).to.match(/60590-7/);
    expect(refusal(good().replace('moodCode="EVN">\n              <hl7:templateId root="1.3.6.1.4.1.12559.11.10.1.3.1.3.3"', 'moodCode="INT">\n              <hl7:templateId root="1.3.6.1.4.1.12559.11.10.1.3.1.3.3"')).message).to.match(/no supply entry/);
  });

  it("refuses a DOCTYPE (entity expansion) and an oversized document before parsing", () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><ClinicalDocument xmlns="urn:hl7-org:v3">&lol2;</ClinicalDocument>`;
    expect(refusal(bomb).message).to.match(/DOCTYPE/);
    const xxe = `<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>${good().replace(/^<\?xml[^>]*>/, "")}`;
    expect(refusal(xxe).message).to.match(/DOCTYPE/);
    expect(() => parseEDispensation(good(), { maxBytes: 1000 })).to.throw(/over the limit of 1000/);
  });
});
