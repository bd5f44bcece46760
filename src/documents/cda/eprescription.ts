// eHDSI ePrescription pivot CDA Level 3 (document templateId 1.3.6.1.4.1.12559.11.10.1.3.1.1.1,
// LOINC 57833-6): one document per national prescription, one section 57828-6 (templateId …2.1)
// with one substanceAdministration moodCode INT (…3.2) per prescription item, as the Wave 8 sample
// 1-1234-W8.xml does. The prescription id is the document id (XCA uniqueId); each item's id is the
// item id, under the gateway's document id root. An eD refers back to both.
import type { Prescription, PrescriptionItem } from "../../canonical/model";
import { quantityText, strengthText } from "../../canonical/text";
import { el, serialize, type XChild, type XElement } from "../../shared/xml";
import type { DocumentContext } from "../context";
import { fixedCode, ii } from "./datatypes";
import { clinicalDocument, headerElements, type DocumentHeader } from "./header";
import { documentId, documentSetId } from "./ids";
import { dosageParts, itemStatusCode, modelIdToIi, patientInstructions, prescribedQuantity, substitutionPermission } from "./medication-entry";
import { content, narrativeTable, textRef } from "./narrative";
import { productBlock } from "./product";

export const EP_DOCUMENT_TEMPLATE = "1.3.6.1.4.1.12559.11.10.1.3.1.1.1";
export const EP_SECTION_TEMPLATE = "1.3.6.1.4.1.12559.11.10.1.3.1.2.1";
export const EP_ITEM_TEMPLATE = "1.3.6.1.4.1.12559.11.10.1.3.1.3.2";
const LOINC = "2.16.840.1.113883.6.1";

/** Narrative IDs (XML ID values, built from positions so that any item id is safe). */
export const narrativeIds = {
  item: (i: number) => `ep-item-${i + 1}`,
  instructions: (i: number) => `ep-pinstruct-${i + 1}`,
};

/**
 * The header of an eP document (L3, or L1 with its own templateId and id kind): the prescriber is
 * author and legal authenticator (eHDSI eP: the prescriber signs the prescription).
 */
export function ePrescriptionHeader(p: Prescription, ctx: DocumentContext, options: { templateId?: string; kind?: string } = {}): DocumentHeader {
  const kind = options.kind ?? "ep";
  return {
    kind: "ep",
    templateIds: [options.templateId ?? EP_DOCUMENT_TEMPLATE],
    // Stable while the prescription is unchanged (ids.ts); the prescription id itself is the
    // section id and each item's id, which the eD refers back to.
    id: documentId(ctx, kind, p.id, p),
    setId: documentSetId(ctx, kind, p.id),
    code: { code: "57833-6", display: "Prescription for medication" },
    title: `ePrescription ${p.id}`,
    language: p.language,
    patient: p.patient,
    authors: [{ practitioner: p.prescriber, time: p.issued }],
    legalAuthenticator: { practitioner: p.prescriber, time: p.issued },
  };
}

/** Build the eP pivot L3 of one prescription. Throws PasserelleError (mapping, invalid data). */
export function buildEPrescriptionL3(p: Prescription, ctx: DocumentContext): string {
  const header = headerElements(ePrescriptionHeader(p, ctx), ctx);
  const body = el("component", {}, el("structuredBody", {}, el("component", {}, section(p, ctx))));
  return serialize(clinicalDocument(header, body));
}

function section(p: Prescription, ctx: DocumentContext): XElement {
  return el(
    "section",
    {},
    el("templateId", { root: EP_SECTION_TEMPLATE }),
    ii(modelIdToIi(p.id, ctx)),
    fixedCode("code", "57828-6", LOINC, "Prescriptions", "LOINC"),
    el("title", {}, "Prescriptions"),
    narrative(p),
    p.items.map((item, i) => el("entry", { typeCode: "COMP" }, prescriptionItem(p, item, i, ctx))),
  );
}

/** One prescribed item: substanceAdministration moodCode INT (eHDSI …3.2, IHE PCC 4.7 / 4.7.1). */
export function prescriptionItem(p: Prescription, item: PrescriptionItem, index: number, ctx: DocumentContext): XElement {
  const { times, route, dose } = dosageParts(item, ctx, "ep");
  const children: XChild[] = [
    el("templateId", { root: "2.16.840.1.113883.10.20.1.24" }),
    el("templateId", { root: "1.3.6.1.4.1.19376.1.5.3.1.4.7" }),
    el("templateId", { root: EP_ITEM_TEMPLATE }),
    el("templateId", { root: "1.3.6.1.4.1.19376.1.5.3.1.4.7.1" }),
    ii(modelIdToIi(item.id, ctx)),
    fixedCode("code", "DRUG", "2.16.840.1.113883.5.4", "Drug therapy", "ActCode"),
    textRef(narrativeIds.item(index)),
    el("statusCode", { code: itemStatusCode(p.status, item) }),
    times,
    route,
    dose,
    el("consumable", { typeCode: "CSM" }, productBlock(item.product, ctx, "ep")),
    // Quantity of packages, valid from issue until the prescription's end of validity.
    prescribedQuantity(item, { start: p.issued, end: p.validUntil }),
    substitutionPermission(item, ctx, "ep"),
    item.instructions ? patientInstructions(narrativeIds.instructions(index)) : undefined,
  ];
  return el("substanceAdministration", { classCode: "SBADM", moodCode: "INT" }, children);
}

/** Section text: one table row per item; the entries point into it (eHDSI: narrative required). */
function narrative(p: Prescription): XElement {
  const headers = ["Medicinal product", "Strength", "Dosage", "Packages", "Substitution", "Instructions"];
  const rows = p.items.map((item, i) => ({
    cells: [
      [content(narrativeIds.item(i), item.product.name)],
      [strengthText(item.product)],
      [item.dosage.map((d) => d.text).filter((t): t is string => !!t).join("; ")],
      [packagesText(item)],
      [item.substitutionAllowed ? "allowed" : "not allowed"],
      [item.instructions ? content(narrativeIds.instructions(i), item.instructions) : ""],
    ],
  }));
  return el("text", {}, narrativeTable(headers, rows));
}

function packagesText(item: PrescriptionItem): string {
  const q = item.product.package?.quantity;
  const size = q ? quantityText(q) : "package";
  const dispensed = item.packagesDispensed > 0 ? ` (${item.packagesDispensed} already dispensed)` : "";
  return `${item.packages} x ${size}${dispensed}`;
}
