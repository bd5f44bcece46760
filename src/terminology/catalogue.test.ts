import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ehdsiPath } from "../../test/helpers/ehdsi";
import { isPasserelleError } from "../shared/errors";
import type { Catalogue} from "./catalogue";
import { displayIn, loadCatalogue } from "./catalogue";
import { ValueSets } from "./bindings";
import { CodeSystems, codeSystemName } from "./code-systems";

describe("terminology catalogue", () => {
  describe("shipped demo catalogue", () => {
    const cat = loadCatalogue();

    it("knows the header value sets missing from the MVC package (gender, confidentiality, absent/unknown)", () => {
      expect(cat.inValueSet(ValueSets.administrativeGender, CodeSystems.gender.oid, "F")).to.equal(true);
      expect(cat.inValueSet(ValueSets.administrativeGender, CodeSystems.gender.oid, "X")).to.equal(false);
      expect(cat.inValueSet(ValueSets.confidentiality, CodeSystems.confidentiality.oid, "N")).to.equal(true);
      expect(cat.inValueSet(ValueSets.absentOrUnknownAllergy, CodeSystems.absentUnknown.oid, "no-known-allergies")).to.equal(true);
      expect(cat.inValueSet(ValueSets.absentOrUnknownAllergy, CodeSystems.absentUnknown.oid, "no-known-devices")).to.equal(false);
    });

    it("maps a Luxembourg national code to its MVC concept (VIDAL ROUTES 38 -> EDQM 20053000 Oral use)", () => {
      const mvc = cat.toMvc({ code: "38", system: "1.3.182.5.31" }, ValueSets.routeOfAdministration);
      expect(mvc).to.deep.equal({ code: "20053000", system: CodeSystems.edqm.oid, systemName: "EDQM", display: "Oral use" });
      // a mapping is per value set: the same code means nothing for the dose form
      expect(cat.toMvc({ code: "38", system: "1.3.182.5.31" }, ValueSets.doseForm)).to.equal(undefined);
    });

    it("passes an MVC member through and refuses an unmapped national code", () => {
      expect(cat.toMvc({ code: "J05AF01", system: CodeSystems.atc.oid }, ValueSets.activeIngredient)?.display).to.equal("zidovudine");
      expect(cat.toMvc({ code: "900001", system: "1.3.182.5.35" }, ValueSets.activeIngredient)).to.equal(undefined);
    });

    it("registers the national code systems for codeSystemName", () => {
      expect(codeSystemName("1.3.182.5.35")).to.equal("VIDAL SUBSTANCES");
      expect(codeSystemName("1.3.182.5.29")).to.equal("ICD-10CM");
    });

    it("gives designations in fr and de, the MVC display in en, and says when it falls back", () => {
      expect(cat.designation(CodeSystems.loinc.oid, "48765-2", "fr-LU")).to.equal("Allergies, effets indésirables, alertes");
      expect(cat.designation(CodeSystems.loinc.oid, "48765-2", "de")).to.equal("Allergien und Unverträglichkeiten");
      expect(cat.designation(CodeSystems.loinc.oid, "48765-2", "en")).to.equal("Allergies and adverse reactions Document");
      expect(cat.designation(CodeSystems.loinc.oid, "48765-2", "it")).to.equal(undefined);
      // 2211 is in the shipped subset (whole ISCO value set), 2264 has no French designation
      expect(displayIn(cat, CodeSystems.isco.oid, "2264", "fr")).to.deep.equal({ text: "Physiotherapists", language: "en" });
      expect(displayIn(cat, CodeSystems.isco.oid, "2211", "fr")).to.deep.equal({ text: "Médecins généralistes", language: "fr" });
      expect(displayIn(cat, "1.2.3.4", "x", "fr")).to.equal(undefined);
    });

    it("every shipped mapping points at a member of its value set", () => {
      expect(cat.checkMappings()).to.deep.equal([]);
    });
  });

  describe("catalogue file errors", () => {
    it("reports every problem at once with file and line", () => {
      const dir = mkdtempSync(join(tmpdir(), "cat-"));
      writeFileSync(join(dir, "mappings.tsv"), "valueSet\tsourceSystem\tsourceCode\tmvcSystem\tmvcCode\tdisplay_en\tdisplay_fr\tdisplay_de\n"
        + "not-an-oid\t1.2.3\tA\t1.2.4\tB\t\t\t\n1.2.3\t1.2.3\tA\n");
      writeFileSync(join(dir, "designations.tsv"), "system\tcode\ten\n");
      writeFileSync(join(dir, "broken.json"), "{ nope");
      try {
        loadCatalogue({ shipped: false, extraDirs: [dir] });
        expect.fail("should throw");
      } catch (e) {
        expect(isPasserelleError(e, "CONFIG_INVALID")).to.equal(true);
        const errors = (e as { details: { errors: string[] } }).details.errors;
        expect(errors.join("\n")).to.match(/mappings\.tsv:2: valueSet "not-an-oid" is not an OID/)
          .and.match(/mappings\.tsv:3: 3 columns, expected 8/)
          .and.match(/designations\.tsv:1: header must be/)
          .and.match(/broken\.json: not valid JSON/);
      }
    });

    it("refuses a missing folder", () => {
      expect(() => loadCatalogue({ mvcDir: "/nonexistent/mvc" })).to.throw(/Terminology folder not found/);
    });
  });

  describe("full eHDSI MVC (../shared/ehdsi/mvc)", function () {
    this.timeout(60000);
    let cat: Catalogue;

    before(() => {
      cat = loadCatalogue({ mvcDir: ehdsiPath("mvc") });
    });

    it("starts lazily: value set files are indexed, not parsed", () => {
      expect(cat.valueSets()).to.include(ValueSets.substance).and.include(ValueSets.rareDisease);
      expect(cat.valueSets().length).to.be.at.least(40);
      // The 4 MB eHDSISubstance file is not parsed until a look-up needs it.
      expect(cat.stats().valueSetsParsed).to.be.below(cat.valueSets().length);
    });

    it("answers membership in the big value sets", () => {
      expect(cat.inValueSet(ValueSets.illnessAndDisorder, CodeSystems.icd10.oid, "J45.9") || cat.inValueSet(ValueSets.illnessAndDisorder, CodeSystems.icd10.oid, "J45")).to.equal(true);
      const atc = cat.toMvc({ code: "J05AF01", system: CodeSystems.atc.oid }, ValueSets.activeIngredient);
      expect(atc?.display).to.equal("zidovudine");
      expect(cat.toMvc({ code: "3728", system: "1.3.182.5.35" }, ValueSets.activeIngredient)?.code).to.equal("J05AF01");
      cat.loadAll();
      expect(cat.stats().concepts).to.be.above(95000);
      expect(cat.stats().valueSetsParsed).to.equal(cat.valueSets().length);
    });

    it("the shipped mappings all land in the full MVC value sets", () => {
      expect(cat.checkMappings()).to.deep.equal([]);
    });

    it("reads the EMA SMS substances (eHDSISubstance) under the eHDSI OID", () => {
      expect(cat.inValueSet(ValueSets.substance, CodeSystems.emaSms.oid, "300000054911")).to.equal(true);
      expect(cat.designation(CodeSystems.emaSms.oid, "300000054911", "en")).to.equal("Pasifolate exatecan ELU001");
    });
  });
});
