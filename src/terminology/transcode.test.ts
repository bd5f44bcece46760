import { expect } from "chai";
import fc from "fast-check";
import { isPasserelleError, type PasserelleError } from "../shared/errors";
import { binding } from "./bindings";
import { loadCatalogue } from "./catalogue";
import { CodeSystems } from "./code-systems";
import { transcode } from "./transcode";
import type { Binding } from "./types";

const cat = loadCatalogue();
const VIDAL_SUBSTANCES = "1.3.182.5.35";

function thrown(fn: () => unknown): PasserelleError {
  try {
    fn();
  } catch (e) {
    if (isPasserelleError(e)) return e;
    throw e;
  }
  throw new Error("expected a PasserelleError");
}

describe("transcode", () => {
  it("a code in the value set: the MVC code with the MVC English display, no translation", () => {
    const r = transcode(cat, { coding: { code: "J05AF01", system: CodeSystems.atc.oid, display: "Zidovudine (fr)" } }, binding("medication.activeIngredient", "ps"), "ps");
    expect(r).to.deep.equal({ kind: "code", code: { code: "J05AF01", system: CodeSystems.atc.oid, systemName: "Anatomical Therapeutic Chemical", display: "zidovudine" } });
  });

  it("a mapped national code: the MVC code, the national code kept as translation (with its system name)", () => {
    const r = transcode(cat, { coding: { code: "3728", system: VIDAL_SUBSTANCES, display: "zidovudine" } }, binding("medication.activeIngredient", "ep"), "ep");
    expect(r?.kind).to.equal("code");
    if (r?.kind !== "code") return;
    expect(r.code.code).to.equal("J05AF01");
    expect(r.translation).to.deep.equal({ code: "3728", system: VIDAL_SUBSTANCES, display: "zidovudine", systemName: "VIDAL SUBSTANCES" });
  });

  it("tries the element's further value sets (problem: absent/unknown code)", () => {
    const r = transcode(cat, { coding: { code: "no-known-problems", system: CodeSystems.absentUnknown.oid } }, binding("problem.code", "ps"), "ps");
    expect(r).to.include({ kind: "code" });
  });

  describe("usage R (eP dose form, prescriber role)", () => {
    const doseForm = binding("medication.doseForm", "ep");
    it("no mapping -> ERROR_EP_MISSING_EXPECTED_MAPPING naming the element, code and system", () => {
      expect(doseForm.usage).to.equal("R");
      const e = thrown(() => transcode(cat, { coding: { code: "999", system: "1.3.182.5.36" } }, doseForm, "ep"));
      expect(e.code).to.equal("ERROR_EP_MISSING_EXPECTED_MAPPING");
      expect(e.message).to.contain("medication.doseForm").and.contain("999").and.contain("VIDAL FORMS 1.3.182.5.36");
      expect(e.details).to.include({ element: "medication.doseForm", code: "999", system: "1.3.182.5.36", location: "medication.doseForm" });
    });
    it("the error code follows the document kind", () => {
      const ps: Binding = { element: "x.required", valueSet: "1.3.6.1.4.1.12559.11.10.1.3.1.42.2", usage: "R" };
      expect(thrown(() => transcode(cat, { coding: { code: "1", system: "1.2.3" } }, ps, "ps")).code).to.equal("ERROR_PS_MISSING_EXPECTED_MAPPING");
      expect(thrown(() => transcode(cat, { coding: { code: "1", system: "1.2.3" } }, ps, "ed")).code).to.equal("ERROR_ED_MISSING_EXPECTED_MAPPING");
    });
    it("no value, or text only -> error as well", () => {
      expect(thrown(() => transcode(cat, undefined, binding("author.role", "ep"), "ep")).message).to.match(/author\.role: no value/);
      expect(thrown(() => transcode(cat, { text: "comprimé" }, doseForm, "ep")).message).to.match(/only text \("comprimé"\)/);
    });
  });

  describe("usage RNFA (PS allergy agent)", () => {
    const agent = binding("allergy.agent", "ps");
    it("an unmapped national code -> nullFlavor OTH, the code kept as translation, its display as originalText", () => {
      expect(agent.usage).to.equal("RNFA");
      const r = transcode(cat, { coding: { code: "900001", system: VIDAL_SUBSTANCES, display: "extrait allergénique d'ambroisie" } }, agent, "ps");
      expect(r).to.deep.equal({
        kind: "null", nullFlavor: "OTH", originalText: "extrait allergénique d'ambroisie",
        translation: { code: "900001", system: VIDAL_SUBSTANCES, display: "extrait allergénique d'ambroisie", systemName: "VIDAL SUBSTANCES" },
      });
    });
    it("no value -> nullFlavor NI", () => {
      expect(transcode(cat, undefined, agent, "ps")).to.deep.equal({ kind: "null", nullFlavor: "NI" });
      expect(transcode(cat, {}, agent, "ps")).to.deep.equal({ kind: "null", nullFlavor: "NI" });
    });
    it("text only -> nullFlavor OTH with originalText", () => {
      expect(transcode(cat, { text: " pollen de bouleau " }, agent, "ps")).to.deep.equal({ kind: "null", nullFlavor: "OTH", originalText: "pollen de bouleau" });
    });
    it("a mapped agent (abacavir) -> ATC J05AF06", () => {
      const r = transcode(cat, { coding: { code: "18416", system: VIDAL_SUBSTANCES } }, agent, "ps");
      expect(r?.kind === "code" && r.code.code).to.equal("J05AF06");
    });
  });

  describe("usage O (PS route)", () => {
    const route = binding("medication.route", "ps");
    it("no value -> omitted", () => {
      expect(route.usage).to.equal("O");
      expect(transcode(cat, undefined, route, "ps")).to.equal(undefined);
    });
    it("a code outside the value set -> nullFlavor OTH keeping the code (our documented choice)", () => {
      const r = transcode(cat, { coding: { code: "99", system: "1.3.182.5.31", display: "nasale" } }, route, "ps");
      expect(r).to.include({ kind: "null", nullFlavor: "OTH", originalText: "nasale" });
    });
    it("a mapped code (VIDAL ROUTES 27) -> EDQM 20035000, original text kept when it differs", () => {
      const r = transcode(cat, { coding: { code: "27", system: "1.3.182.5.31" }, text: "IM" }, route, "ps");
      expect(r).to.deep.include({ kind: "code", originalText: "IM" });
      expect(r?.kind === "code" && r.code.display).to.equal("Intramuscular use");
    });
  });

  it("usage NA -> nothing emitted", () => {
    expect(binding("substitution.code", "ps").usage).to.equal("NA");
    expect(transcode(cat, { coding: { code: "G", system: CodeSystems.substanceAdminSubstitution.oid } }, binding("substitution.code", "ps"), "ps")).to.equal(undefined);
  });
});

describe("binding table", () => {
  it("gives the coded element list's value set and usage per document", () => {
    expect(binding("allergy.reaction", "ps")).to.deep.include({ valueSet: "1.3.6.1.4.1.12559.11.10.1.3.1.42.11", usage: "RNFA" });
    expect(binding("author.role", "ep").usage).to.equal("R");
    expect(binding("prescriber.role", "ep")).to.deep.include({ element: "prescriber.role", valueSet: "1.3.6.1.4.1.12559.11.10.1.3.1.42.1", usage: "R" });
    expect(binding("medication.package", "ed").usage).to.equal("RNFA");
  });
  it("refuses an element it does not know", () => {
    expect(() => binding("nope.code", "ps")).to.throw(/No MVC binding/);
  });
});

describe("transcode (properties)", () => {
  const kinds = ["ps", "ep", "ed"] as const;
  const expected = { ps: "ERROR_PS_MISSING_EXPECTED_MAPPING", ep: "ERROR_EP_MISSING_EXPECTED_MAPPING", ed: "ERROR_ED_MISSING_EXPECTED_MAPPING" };
  // "~" never occurs in an MVC code, so these codes are outside every value set and unmapped.
  const foreignCode = fc.string({ minLength: 1, maxLength: 20 }).map((s) => `~${s}`);
  const system = fc.constantFrom("1.3.182.5.35", CodeSystems.atc.oid, CodeSystems.snomed.oid, "1.2.3.4.5");
  const element = fc.constantFrom("medication.doseForm", "allergy.agent", "problem.code", "medication.route", "immunization.vaccine", "patient.gender");

  it("an unmapped code: R throws the document's error naming it; RNFA and O keep it as translation under nullFlavor OTH", () => {
    fc.assert(fc.property(foreignCode, system, element, fc.constantFrom(...kinds), fc.constantFrom("R", "RNFA", "O") as fc.Arbitrary<"R" | "RNFA" | "O">, (code, sys, el, doc, usage) => {
      const b: Binding = { ...binding(el, doc), usage };
      if (usage === "R") {
        const e = thrown(() => transcode(cat, { coding: { code, system: sys } }, b, doc));
        expect(e.code).to.equal(expected[doc]);
        expect(e.details).to.include({ code, system: sys, element: el });
      } else {
        const r = transcode(cat, { coding: { code, system: sys } }, b, doc);
        expect(r).to.include({ kind: "null", nullFlavor: "OTH" });
        expect(r?.translation).to.include({ code, system: sys });
      }
    }));
  });

  it("a code that is a member comes back as itself with no translation, in every document kind", () => {
    const members = [
      ["medication.doseForm", CodeSystems.edqm.oid, "10219000"], ["medication.route", CodeSystems.edqm.oid, "20053000"],
      ["patient.gender", CodeSystems.gender.oid, "M"], ["problem.code", CodeSystems.icd10.oid, "B20"],
    ] as const;
    fc.assert(fc.property(fc.constantFrom(...members), fc.constantFrom(...kinds), ([el, sys, code], doc) => {
      const b: Binding = { ...binding(el, doc), usage: "R" };
      const r = transcode(cat, { coding: { code, system: sys, display: "anything" } }, b, doc);
      expect(r?.kind).to.equal("code");
      if (r?.kind === "code") {
        expect([r.code.code, r.code.system, r.translation]).to.deep.equal([code, sys, undefined]);
      }
    }));
  });
});
