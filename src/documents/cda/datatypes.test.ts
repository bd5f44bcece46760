import { expect } from "chai";
import { serialize } from "../../shared/xml";
import { isPasserelleError } from "../../shared/errors";
import { address, coded, ii, ivlTs, personName, pq, rto, telecom, telecomUrl, toTs, instantTs } from "./datatypes";

const xml = (e: Parameters<typeof serialize>[0]) => serialize(e, { declaration: false });

describe("CDA data types", () => {
  it("renders ISO dates and date-times as TS with their precision and offset", () => {
    expect(toTs("1968")).to.equal("1968");
    expect(toTs("1968-10")).to.equal("196810");
    expect(toTs("1968-10-15")).to.equal("19681015");
    expect(toTs("2024-06-03T11:18:54+02:00")).to.equal("20240603111854+0200");
    expect(toTs("2024-06-03T11:18:54.123Z")).to.equal("20240603111854+0000");
    expect(toTs("2024-06-03T11:18-05:00")).to.equal("20240603111800-0500");
    expect(instantTs(new Date("2026-01-02T03:04:05Z"))).to.equal("20260102030405+0000");
  });

  it("refuses impossible dates with DOCUMENT_INVALID", () => {
    for (const bad of ["1968-02-30", "1968-13", "2024-06-03T25:00:00Z", "15/10/1968", ""]) {
      expect(() => toTs(bad), bad).to.throw().that.satisfies((e: unknown) => isPasserelleError(e, "DOCUMENT_INVALID"));
    }
  });

  it("writes a pivot code with the source code as translation, and nullFlavor with originalText", () => {
    const out = xml(
      coded("value", {
        kind: "code",
        code: { code: "J45", system: "1.3.6.1.4.1.12559.11.10.1.3.1.44.2", systemName: "ICD-10", display: "Asthma" },
        translation: { code: "493", system: "1.3.182.5.99", display: "Asthme & co" },
      }, { xsiType: "CD", ref: "prob-1" }),
    );
    expect(out).to.equal(
      '<value xsi:type="CD" code="J45" codeSystem="1.3.6.1.4.1.12559.11.10.1.3.1.44.2" codeSystemName="ICD-10" displayName="Asthma">' +
        '<originalText><reference value="#prob-1"/></originalText>' +
        '<translation code="493" codeSystem="1.3.182.5.99" displayName="Asthme &amp; co"/></value>',
    );
    const nf = xml(coded("code", { kind: "null", nullFlavor: "OTH", originalText: "free <text>" }));
    expect(nf).to.equal('<code nullFlavor="OTH"><originalText>free &lt;text&gt;</originalText></code>');
  });

  it("renders names, addresses, telecoms, quantities and ids", () => {
    expect(xml(personName({ family: "DOE-CALLA", given: ["CELESTINA"] }))).to.equal("<name><given>CELESTINA</given><family>DOE-CALLA</family></name>");
    expect(xml(address({ lines: ["1133 RUE DES PRES"], postalCode: "9160", city: "INGELDORF", country: "LU", use: "home" }))).to.equal(
      '<addr use="H"><streetAddressLine>1133 RUE DES PRES</streetAddressLine><postalCode>9160</postalCode><city>INGELDORF</city><country>LU</country></addr>',
    );
    expect(telecomUrl({ system: "phone", value: "+352 691 123 456" })).to.equal("tel:+352691123456");
    expect(xml(telecom({ system: "email", value: "a@b.lu", use: "work" }))).to.equal('<telecom use="WP" value="mailto:a@b.lu"/>');
    expect(xml(pq("doseQuantity", { value: "2.5", unit: "mL" }))).to.equal('<doseQuantity value="2.5" unit="mL"/>');
    expect(xml(rto("quantity", { numerator: { value: "500", unit: "mg" }, denominator: { value: "1", unit: "1" } }))).to.equal(
      '<quantity><numerator xsi:type="PQ" value="500" unit="mg"/><denominator xsi:type="PQ" value="1" unit="1"/></quantity>',
    );
    expect(xml(ii({ system: "1.3.182.4.4", value: "1968101545978" }))).to.equal('<id root="1.3.182.4.4" extension="1968101545978"/>');
    expect(xml(ivlTs("effectiveTime", { start: "2022-08-01" }))).to.equal('<effectiveTime xsi:type="IVL_TS"><low value="20220801"/></effectiveTime>');
  });

  it("refuses values the XSD would reject", () => {
    expect(() => pq("q", { value: "1,5", unit: "mg" })).to.throw(/decimal/);
    expect(() => pq("q", { value: "1", unit: "m g" })).to.throw(/UCUM/);
    expect(() => ii({ root: "not-an-oid!" })).to.throw(/OID/);
  });
});

describe("CDA data types: attributes from free text", () => {
  it("leaves out a displayName that is empty once non-XML characters are dropped, and refuses codes with spaces", () => {
    const out = xml(coded("code", { kind: "null", nullFlavor: "OTH", translation: { code: "12", system: "1.2.3", display: "\u0000\uDC00" } }));
    expect(out).to.equal('<code nullFlavor="OTH"><translation code="12" codeSystem="1.2.3"/></code>');
    expect(() => coded("code", { kind: "null", nullFlavor: "OTH", translation: { code: "1 2", system: "1.2.3" } })).to.throw(/not a valid CDA code/);
  });
});
