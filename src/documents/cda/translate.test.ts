import { expect } from "chai";
import { readFileSync } from "node:fs";
import { DOMParser, type Element } from "@xmldom/xmldom";
import { ehdsiPath } from "../../../test/helpers/ehdsi";
import { isPasserelleError } from "../../shared/errors";
import { loadCatalogue } from "../../terminology/catalogue";
import { checkBindings } from "./bindings-check";
import { loadCdaSchema } from "./schema";
import { translateCda } from "./translate";

describe("CDA translation (country B)", function () {
  this.timeout(60000);
  const mvc = loadCatalogue({ mvcDir: ehdsiPath("mvc") });
  const schema = loadCdaSchema(ehdsiPath("schema-cda", "CDA_Pharma.xsd"));
  const luPivot = readFileSync(ehdsiPath("cda/luxembourg/LU-PS-pivot-L3-W8.xml"), "utf8");
  const parse = (xml: string) => new DOMParser().parseFromString(xml, "text/xml");
  const byLocalName = (xml: string, name: string): Element[] => Array.from(parse(xml).getElementsByTagNameNS("urn:hl7-org:v3", name));

  it("renders display names in French, keeping the pivot code and English display as <translation>", () => {
    const r = translateCda(luPivot, mvc, "fr-LU");
    expect(r.language).to.equal("fr");
    const route = byLocalName(r.xml, "routeCode")[0]!;
    expect(route.getAttribute("code")).to.equal("20053000");
    expect(route.getAttribute("displayName")).to.equal("Voie orale");
    const translations = Array.from(route.getElementsByTagNameNS("urn:hl7-org:v3", "translation")).map((t) => [t.getAttribute("code"), t.getAttribute("codeSystem"), t.getAttribute("displayName")]);
    // the national code country A kept, then the pivot's own English display
    expect(translations).to.deep.equal([["38", "1.3.182.5.31", "orale"], ["20053000", "0.4.0.127.0.16.1.1.2.1", "Oral use"]]);
    expect(r.translated).to.be.at.least(25);
  });

  it("translates section titles from their code, and leaves narrative text alone", () => {
    const r = translateCda(luPivot, mvc, "de");
    const titles = byLocalName(r.xml, "section").map((s) => {
      const title = Array.from(s.childNodes).find((c) => (c as Element).localName === "title");
      return title?.textContent;
    });
    expect(titles).to.include("Allergien und Unverträglichkeiten").and.include("Medikationsübersicht");
    expect(r.titles).to.be.at.least(7);
    const textBefore = byLocalName(luPivot, "text").map((t) => t.textContent);
    expect(byLocalName(r.xml, "text").map((t) => t.textContent)).to.deep.equal(textBefore);
  });

  it("keeps English where there is no designation, and lists those codes", () => {
    const src = readFileSync(ehdsiPath("cda/openncp/2-1234-W8.xml"), "utf8");
    const r = translateCda(src, mvc, "de");
    expect(r.untranslated.length).to.be.above(10);
    const coded = (xml: string) => byLocalName(xml, "*").filter((e) => e.localName !== "translation" && e.parentNode && (e.parentNode as Element).localName !== "translation");
    const before = coded(src);
    const after = coded(r.xml);
    expect(after.length).to.equal(before.length);
    let compared = 0;
    for (const { code, codeSystem } of r.untranslated) {
      after.forEach((e, i) => {
        if (e.getAttribute("code") !== code || e.getAttribute("codeSystem") !== codeSystem) return;
        const was = before[i]!.getAttribute("displayName");
        // English kept: the original display, or the MVC English display where the pivot had none
        expect(e.getAttribute("displayName")).to.equal(was ?? mvc.designation(codeSystem, code, "en") ?? null);
        compared++;
      });
    }
    expect(compared).to.be.at.least(r.untranslated.length);
  });

  it("output stays well-formed, XSD-valid, and every code still sits in its value set", () => {
    for (const [file, lang] of [["cda/luxembourg/LU-PS-pivot-L3-W8.xml", "fr"], ["cda/openncp/2-1234-W8.xml", "de"], ["cda/openncp/1-1234-W8.xml", "fr"]] as const) {
      const src = readFileSync(ehdsiPath(file), "utf8");
      const r = translateCda(src, mvc, lang);
      expect(schema.validate(r.xml).errors, file).to.deep.equal([]);
      const before = checkBindings(src, mvc).findings.map((f) => f.code);
      expect(checkBindings(r.xml, mvc).findings.map((f) => f.code), file).to.deep.equal(before);
    }
  });

  it("English is the pivot: no translation added, a missing displayName filled in", () => {
    const src = luPivot.replace(/(<routeCode code="20053000" codeSystem="0.4.0.127.0.16.1.1.2.1" codeSystemName="EDQM" codeSystemVersion="[^"]*") displayName="Oral use"/, "$1");
    expect(src).to.not.equal(luPivot);
    const r = translateCda(src, mvc, "en");
    expect(r.translated).to.equal(0);
    const route = byLocalName(r.xml, "routeCode")[0]!;
    expect(route.getAttribute("displayName")).to.equal("Oral use");
    expect(route.getElementsByTagNameNS("urn:hl7-org:v3", "translation").length).to.equal(1);
  });

  it("removes an enveloped signature, which the translation would break", () => {
    const signed = luPivot.replace("</ClinicalDocument>", '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo/></ds:Signature></ClinicalDocument>');
    const r = translateCda(signed, mvc, "fr");
    expect(r.signatureRemoved).to.equal(true);
    expect(r.xml).to.not.contain("Signature");
  });

  it("refuses an unsupported language and a malformed document", () => {
    expect(() => translateCda(luPivot, mvc, "it")).to.throw().that.satisfies((e: unknown) => isPasserelleError(e, "INPUT_INVALID"));
    expect(() => translateCda("<ClinicalDocument", mvc, "fr")).to.throw().that.satisfies((e: unknown) => isPasserelleError(e, "DOCUMENT_INVALID"));
  });
});
