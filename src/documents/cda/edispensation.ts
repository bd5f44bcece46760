// eHDSI eDispensation pivot CDA Level 3 (document templateId 1.3.6.1.4.1.12559.11.10.1.3.1.1.2,
// LOINC 60593-1): section 60590-7 (templateId …2.2) with one supply moodCode EVN (…3.3) per
// dispensed item, as the Wave 8 eDs of CZ, GR, PL, MT and DK do: quantity of packages, the product
// handed over, the pharmacist (performer) and pharmacy, a REFR to the prescription item
// (substanceAdministration INT with the eP item id) and, when the product was substituted, the
// substitution act. The header's inFulfillmentOf/order names the ePrescription dispensed.
import type { Dispensation, DispensedItem, Prescription, PrescriptionItem } from "../../canonical/model";
import { ErrorCode, PasserelleError } from "../../shared/errors";
import { el, serialize, type XChild, type XElement } from "../../shared/xml";
import { CodeSystems } from "../../terminology/code-systems";
import type { DocumentContext } from "../context";
import { fixedCode, ii, ts } from "./datatypes";
import { assignedPractitioner, clinicalDocument, headerElements } from "./header";
import { entryId, type InstanceId } from "./ids";
import { modelIdToIi, substitutionCode, substitutionObservation } from "./medication-entry";
import { content, narrativeTable, textRef } from "./narrative";
import { productBlock } from "./product";

export const ED_DOCUMENT_TEMPLATE = "1.3.6.1.4.1.12559.11.10.1.3.1.1.2";
export const ED_SECTION_TEMPLATE = "1.3.6.1.4.1.12559.11.10.1.3.1.2.2";
export const ED_ITEM_TEMPLATE = "1.3.6.1.4.1.12559.11.10.1.3.1.3.3";
const LOINC = "2.16.840.1.113883.6.1";
const SUBSTITUTION = CodeSystems.substanceAdminSubstitution;

function invalid(message: string, location: string): PasserelleError {
  return new PasserelleError(ErrorCode.DispensationInvalid, message, { location });
}

export const edNarrativeIds = { item: (i: number) => `ed-item-${i + 1}` };

/**
 * Build the eD pivot L3 of a dispensation. With the prescription, each item is checked against it
 * (same prescription, known item) and the REFR carries the prescribed product; without it, the REFR
 * carries the dispensed product when nothing was substituted.
 */
export function buildEDispensationL3(d: Dispensation, ctx: DocumentContext, prescription?: Prescription): string {
  check(d, prescription);
  const header = headerElements(
    {
      kind: "ed",
      templateIds: [ED_DOCUMENT_TEMPLATE],
      id: modelIdToIi(d.id, ctx),
      code: { code: "60593-1", display: "Medication dispensed.extended Document" },
      title: "eDispensation",
      language: d.language ?? prescription?.language ?? "en-GB",
      patient: d.patient,
      authors: [{ practitioner: d.dispenser, time: d.time }],
      legalAuthenticator: { practitioner: d.dispenser, time: d.time },
    },
    ctx,
  );
  const body = el("component", {}, el("structuredBody", {}, el("component", {}, section(d, ctx, prescription))));
  return serialize(clinicalDocument(withOrder(header, modelIdToIi(d.prescriptionId, ctx)), body));
}

/**
 * inFulfillmentOf/order (moodCode RQO) with the eP's prescription id. POCD_MT000040 order:
 * … participant, inFulfillmentOf, documentationOf, relatedDocument …, so it goes before the first
 * of the latter two, or last in the header.
 */
function withOrder(header: XElement[], order: InstanceId): XElement[] {
  const inFulfillmentOf = el("inFulfillmentOf", {}, el("order", { moodCode: "RQO" }, ii(order)));
  const at = header.findIndex((e) => e.name === "documentationOf" || e.name === "relatedDocument");
  return at < 0 ? [...header, inFulfillmentOf] : [...header.slice(0, at), inFulfillmentOf, ...header.slice(at)];
}

function check(d: Dispensation, p: Prescription | undefined): void {
  if (d.items.length === 0) throw invalid("a dispensation has at least one dispensed item", "items");
  if (p && p.id !== d.prescriptionId) {
    throw invalid(`dispensation refers to prescription "${d.prescriptionId}", not "${p.id}"`, "prescriptionId");
  }
  d.items.forEach((item, i) => {
    if (!Number.isInteger(item.packages) || item.packages < 1) {
      throw invalid(`dispensed packages must be a positive whole number, found ${item.packages}`, `items/${i}/packages`);
    }
    if (p && !p.items.some((pi) => pi.id === item.prescriptionItemId)) {
      throw invalid(`prescription "${p.id}" has no item "${item.prescriptionItemId}"`, `items/${i}/prescriptionItemId`);
    }
    if (item.substitutionCode && !/^[A-Z]{1,3}$/.test(item.substitutionCode)) {
      throw invalid(`not a substanceAdminSubstitution code: "${item.substitutionCode}"`, `items/${i}/substitutionCode`);
    }
  });
}

function section(d: Dispensation, ctx: DocumentContext, p: Prescription | undefined): XElement {
  return el(
    "section",
    {},
    el("templateId", { root: "2.16.840.1.113883.10.20.1.8" }),
    el("templateId", { root: ED_SECTION_TEMPLATE }),
    fixedCode("code", "60590-7", LOINC, "Medication dispensed", "LOINC"),
    el("title", {}, "Medication dispensed"),
    narrative(d),
    d.items.map((item, i) => el("entry", { typeCode: "COMP" }, supply(d, item, i, ctx, p?.items.find((pi) => pi.id === item.prescriptionItemId)))),
  );
}

function supply(d: Dispensation, item: DispensedItem, index: number, ctx: DocumentContext, prescribed: PrescriptionItem | undefined): XElement {
  const children: XChild[] = [
    el("templateId", { root: "2.16.840.1.113883.10.20.1.34" }),
    el("templateId", { root: "1.3.6.1.4.1.19376.1.5.3.1.4.7.3" }),
    el("templateId", { root: ED_ITEM_TEMPLATE }),
    ii(entryId(ctx, "ed", `${d.id}.${index + 1}`)),
    textRef(edNarrativeIds.item(index)),
    el("statusCode", { code: "completed" }),
    ts("effectiveTime", d.time),
    el("quantity", { value: String(item.packages), unit: "1" }),
    el("product", {}, productBlock(item.product, ctx, "ed")),
    performer(d),
    prescriptionReference(item, ctx, prescribed),
    item.substituted ? substitutionAct(item) : undefined,
  ];
  return el("supply", { classCode: "SPLY", moodCode: "EVN" }, children);
}

/** The pharmacist who handed the medicine over, for the pharmacy (eHDSI: performer PRF). */
function performer(d: Dispensation): XElement {
  const pharmacist = { ...d.dispenser, organization: d.pharmacy ?? d.dispenser.organization };
  return el("performer", { typeCode: "PRF" }, ts("time", d.time), assignedPractitioner("assignedEntity", pharmacist));
}

/** entryRelationship REFR: the prescription item (substanceAdministration INT) by its eP id. */
function prescriptionReference(item: DispensedItem, ctx: DocumentContext, prescribed: PrescriptionItem | undefined): XElement {
  // The prescribed product: from the prescription; the dispensed one when it was not substituted;
  // otherwise unknown here (CDA consumable is required: manufacturedMaterial nullFlavor UNK).
  const product = prescribed?.product ?? (item.substituted ? undefined : item.product);
  const consumable = product
    ? productBlock(product, ctx, "ed")
    : el("manufacturedProduct", { classCode: "MANU" }, el("manufacturedMaterial", { nullFlavor: "UNK" }));
  return el(
    "entryRelationship",
    { typeCode: "REFR" },
    el(
      "substanceAdministration",
      { classCode: "SBADM", moodCode: "INT" },
      ii(modelIdToIi(item.prescriptionItemId, ctx)),
      el("consumable", { typeCode: "CSM" }, consumable),
    ),
  );
}

/**
 * Substitution (eHDSI eD: entryRelationship COMP / act SUBST, as the samples show). The kind of
 * substitution (v3 substanceAdminSubstitution G, TE, …), when known, is stated by a nested SUBST
 * observation, the same form the eP uses for the permission.
 */
function substitutionAct(item: DispensedItem): XElement {
  return el(
    "entryRelationship",
    { typeCode: "COMP" },
    el(
      "act",
      { classCode: "ACT", moodCode: "EVN" },
      substitutionCode(),
      el("statusCode", { code: "completed" }),
      item.substitutionCode
        ? el(
            "entryRelationship",
            { typeCode: "COMP" },
            substitutionObservation(el("value", { "xsi:type": "CE", code: item.substitutionCode, codeSystem: SUBSTITUTION.oid, codeSystemName: SUBSTITUTION.name })),
          )
        : undefined,
    ),
  );
}

function narrative(d: Dispensation): XElement {
  const headers = ["Medicinal product", "Packages", "Substituted", "Prescription item"];
  const rows = d.items.map((item, i) => ({
    cells: [
      [content(edNarrativeIds.item(i), item.product.name)],
      [String(item.packages)],
      [item.substituted ? `yes${item.substitutionCode ? ` (${item.substitutionCode})` : ""}` : "no"],
      [`${d.prescriptionId} / ${item.prescriptionItemId}`],
    ],
  }));
  return el("text", {}, narrativeTable(headers, rows));
}
