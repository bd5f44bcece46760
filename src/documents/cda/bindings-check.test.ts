import { expect } from "chai";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, ehdsiPath } from "../../../test/helpers/ehdsi";
import { loadCatalogue } from "../../terminology/catalogue";
import { checkBindings } from "./bindings-check";
import { compilePath, ElementIndex } from "./element-path";
import { DOMParser } from "@xmldom/xmldom";
import type { Terminology } from "../../terminology/types";

describe("CDA value-set binding check", function () {
  this.timeout(60000);
  const mvc = loadCatalogue({ mvcDir: ehdsiPath("mvc") });
  const read = (...p: string[]) => readFileSync(ehdsiPath(...p), "utf8");
  const errors = (xml: string) => checkBindings(xml, mvc).findings.filter((f) => f.severity === "error");

  it("openncp 2-1234-W8 (PS): 120 coded elements, one real violation: a reaction code outside eHDSICodeProb", () => {
    const r = checkBindings(read("cda/openncp/2-1234-W8.xml"), mvc);
    expect(r.kind).to.equal("ps");
    expect(r.checked).to.equal(120);
    expect(r.findings.map((f) => [f.kind, f.element, f.code])).to.deep.equal([["not-in-value-set", "allergy.reactionCode", "420134006"]]);
    expect(r.findings[0]!.valueSets).to.deep.equal(["1.3.6.1.4.1.12559.11.10.1.3.1.42.23"]);
    expect(r.ok).to.equal(false);
  });

  it("openncp 2-5678-W8 (PS with absent/unknown codes), 1-1234-W8 (eP) and the Luxembourg pivot PS pass", () => {
    for (const [f, kind, n] of [["cda/openncp/2-5678-W8.xml", "ps", 15], ["cda/openncp/1-1234-W8.xml", "ep", 13], ["cda/luxembourg/LU-PS-pivot-L3-W8.xml", "ps", 36]] as const) {
      const r = checkBindings(read(f), mvc);
      expect([f, r.kind, r.checked, r.findings]).to.deep.equal([f, kind, n, []]);
    }
  });

  it("reports foreign national codes in an eDispensation (Danish dose form outside eHDSIDoseForm)", () => {
    expect(errors(read("cda/edispensation-foreign/dispensation1.xml")).map((f) => [f.element, f.code, f.codeSystem])).to.deep.equal([
      ["medication.doseForm", "TABFILM", "2.16.17.710.802.1000.990.1.20.22"],
    ]);
  });

  it("a code changed to one outside the value set is reported, with its location", () => {
    const xml = read("cda/luxembourg/LU-PS-pivot-L3-W8.xml").replace(/code="20053000"/, 'code="99999999"');
    const found = errors(xml);
    expect(found).to.have.length(1);
    expect(found[0]).to.deep.include({ kind: "not-in-value-set", element: "medication.route", code: "99999999", codeSystem: "0.4.0.127.0.16.1.1.2.1" });
    expect(found[0]!.location).to.match(/substanceAdministration\/routeCode$/);
  });

  it("a nullFlavor is refused where usage is R (eP prescriber role), accepted where RNFA (PS gender)", () => {
    const ep = read("cda/openncp/1-1234-W8.xml").replace(/<functionCode [^>]*\/>/, '<functionCode nullFlavor="NI"/>');
    expect(errors(ep).map((f) => [f.kind, f.element, f.nullFlavor])).to.deep.equal([["null-flavor-not-allowed", "author.role", "NI"]]);
    const ps = read("cda/luxembourg/LU-PS-pivot-L3-W8.xml").replace(/<administrativeGenderCode [^>]*\/>/, '<administrativeGenderCode nullFlavor="UNK"/>');
    expect(ps).to.contain('nullFlavor="UNK"');
    expect(errors(ps)).to.deep.equal([]);
  });

  it("required elements missing are reported (eP: prescriber role and dose form)", () => {
    const ep = read("cda/openncp/1-1234-W8.xml").replace(/<functionCode [^>]*\/>/g, "").replace(/<(pharm:)?formCode [^>]*\/>/, "");
    const missing = errors(ep).filter((f) => f.kind === "missing").map((f) => f.element);
    expect(missing).to.include("author.role").and.include("medication.doseForm");
  });

  it("warns, once per value set, when the catalogue does not hold a bound value set", () => {
    const without63: Terminology = {
      valueSets: () => mvc.valueSets().filter((v) => !v.endsWith(".42.63")),
      inValueSet: (vs, system, code) => mvc.inValueSet(vs, system, code),
      toMvc: (c, vs) => mvc.toMvc(c, vs),
      designation: (s, c, l) => mvc.designation(s, c, l),
    };
    const r = checkBindings(read("cda/openncp/2-1234-W8.xml"), without63);
    expect(r.findings.filter((f) => f.kind === "unknown-value-set").map((f) => f.valueSets[0])).to.deep.equal(["1.3.6.1.4.1.12559.11.10.1.3.1.42.63"]);
  });

  it("the path evaluator matches on local names, xsi:type and conjunctions", () => {
    const doc = new DOMParser().parseFromString(`<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:p="urn:hl7-org:pharm" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
      <a><p:b k="1"><c x="y" z="w"/></p:b><p:b k="2"><c x="y"/></p:b></a><effectiveTime xsi:type="EIVL_TS"><event code="HS"/></effectiveTime></ClinicalDocument>`, "text/xml");
    const ix = new ElementIndex(doc);
    expect(ix.select(compilePath("//a/b[c/@x='y' and c/@z='w']/@k")).map((n) => n.nodeValue)).to.deep.equal(["1"]);
    expect(ix.select(compilePath("//a/b[c/@x='y']/@k")).map((n) => n.nodeValue)).to.deep.equal(["1", "2"]);
    expect(ix.select(compilePath("/ClinicalDocument/effectiveTime[@type='EIVL_TS']/event")).length).to.equal(1);
    expect(() => compilePath("//a[position()=1]")).to.throw(/unsupported/);
  });

  it("the project's own golden documents (test/golden) have no finding against the full MVC", () => {
    let n = 0;
    for (const kind of ["ps", "ep", "ed"]) {
      const dir = join(REPO_ROOT, "test/golden", kind);
      for (const f of readdirSync(dir).filter((x) => x.endsWith(".xml"))) {
        const r = checkBindings(readFileSync(join(dir, f), "utf8"), mvc);
        expect([`${kind}/${f}`, r.kind, r.findings], `${kind}/${f}`).to.deep.equal([`${kind}/${f}`, kind, []]);
        n++;
      }
    }
    expect(n).to.be.at.least(3);
  });

});
