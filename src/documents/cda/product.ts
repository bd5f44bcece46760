// The medicinal product of a PS medication, an eP item or an eD supply: the CDA
// manufacturedProduct/manufacturedMaterial with the HL7 Pharmacy extension (namespace
// urn:hl7-org:pharm, CDA_Pharma.xsd POCD_MT000040.Material + COCT_MT230100UV01_extPHARM.xsd).
// Element order follows the XSD sequence: code, name, pharm:desc, pharm:formCode, pharm:asContent,
// pharm:asSpecializedKind, pharm:ingredient.
import type { Coded, Ingredient, MedicinalProduct } from "../../canonical/model";
import { el, type XElement } from "../../shared/xml";
import type { DocumentKind, PivotCoded } from "../../terminology/types";
import { transcode } from "../../terminology/transcode";
import { binding } from "../../terminology/bindings";
import type { DocumentContext } from "../context";
import { coded, pq, rto } from "./datatypes";

/** eHDSI templates of the product: eP/eD (…3.29 / …3.30) and PS medication (…3.31 / …3.32). */
const TEMPLATES: Record<DocumentKind, { product: string; material: string }> = {
  ep: { product: "1.3.6.1.4.1.12559.11.10.1.3.1.3.29", material: "1.3.6.1.4.1.12559.11.10.1.3.1.3.30" },
  ed: { product: "1.3.6.1.4.1.12559.11.10.1.3.1.3.29", material: "1.3.6.1.4.1.12559.11.10.1.3.1.3.30" },
  ps: { product: "1.3.6.1.4.1.12559.11.10.1.3.1.3.31", material: "1.3.6.1.4.1.12559.11.10.1.3.1.3.32" },
};

/** A coded element, or nothing when transcoding says the element is not emitted (usage O/NA, no value). */
function optionalCoded(name: string, pc: PivotCoded | undefined): XElement | undefined {
  return pc ? coded(name, pc) : undefined;
}

/**
 * `manufacturedProduct` for a product. Coded elements are transcoded to the MVC value set bound
 * to them for this document kind (coded_element_list_ehdsi.xml): dose form eHDSIDoseForm (R in
 * eP/eD), package eHDSIPackage (RNFA), classification and ingredient eHDSIActiveIngredient (RNFA/O).
 * A required element with no mapping throws ERROR_EP/ED/PS_MISSING_EXPECTED_MAPPING (transcode).
 */
export function productBlock(product: MedicinalProduct, ctx: DocumentContext, doc: DocumentKind): XElement {
  const t = TEMPLATES[doc];
  return el(
    "manufacturedProduct",
    { classCode: "MANU" },
    el("templateId", { root: t.product }),
    el("manufacturedMaterial", { classCode: "MMAT", determinerCode: "KIND" }, el("templateId", { root: t.material }), materialContent(product, ctx, doc)),
  );
}

function materialContent(product: MedicinalProduct, ctx: DocumentContext, doc: DocumentKind): XElement[] {
  const term = ctx.terminology;
  const out: XElement[] = [];
  // The national product code is not bound to an MVC value set: it is given as the source has it
  // (as the Wave 8 samples do), its display being the product name.
  if (product.code) out.push(nationalCode("code", product.code));
  out.push(el("name", {}, product.name));
  const form = optionalCoded("pharm:formCode", transcode(term, product.doseForm, binding("medication.doseForm", doc), doc));
  if (form) out.push(form);
  if (product.package) out.push(packageContent(product.package, ctx, doc));
  // Classification of the product (eHDSIActiveIngredient, ATC): RNFA, so present (NI when unknown).
  const atc = transcode(term, product.atc ? { coding: product.atc } : undefined, binding("medication.classification", doc), doc);
  if (atc) {
    out.push(
      el(
        "pharm:asSpecializedKind",
        { classCode: "GRIC" },
        el("pharm:generalizedMaterialKind", { classCode: "MMAT", determinerCode: "KIND" }, coded("pharm:code", atc)),
      ),
    );
  }
  for (const ing of product.ingredients) out.push(ingredient(ing, ctx, doc));
  return out;
}

function packageContent(pkg: NonNullable<MedicinalProduct["package"]>, ctx: DocumentContext, doc: DocumentKind): XElement {
  // pharm:asContent/pharm:quantity is the content of one package (e.g. 30 tablets);
  // containerPackagedProduct/formCode the package type (eHDSIPackage).
  return el(
    "pharm:asContent",
    { classCode: "CONT" },
    pkg.quantity ? pq("pharm:quantity", pkg.quantity) : undefined,
    el(
      "pharm:containerPackagedProduct",
      { classCode: "CONT", determinerCode: "KIND" },
      optionalCoded("pharm:formCode", transcode(ctx.terminology, pkg.form, binding("medication.package", doc), doc)),
    ),
  );
}

function ingredient(ing: Ingredient, ctx: DocumentContext, doc: DocumentKind): XElement {
  const pivot = transcode(ctx.terminology, ing.substance, binding("medication.activeIngredient", doc), doc);
  const name = ing.substance.text ?? ing.substance.coding?.display ?? (pivot?.kind === "code" ? pivot.code.display : undefined);
  return el(
    "pharm:ingredient",
    { classCode: "ACTI" },
    // Strength: RTO of PQ in UCUM, numerator and denominator typed explicitly (QTY is abstract).
    ing.strength ? rto("pharm:quantity", ing.strength) : undefined,
    el(
      "pharm:ingredientSubstance",
      { classCode: "MMAT", determinerCode: "KIND" },
      optionalCoded("pharm:code", pivot),
      name ? el("pharm:name", {}, name) : undefined,
    ),
  );
}

function nationalCode(name: string, c: Coded): XElement {
  return el(name, { code: c.code, codeSystem: c.system, codeSystemName: c.systemName, displayName: c.display });
}
