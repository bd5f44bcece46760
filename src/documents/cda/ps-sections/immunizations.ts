// Immunizations section (LOINC 11369-6, templateId …2.15; optional). Each immunization is a
// substanceAdministration (…3.19, moodCode EVN) whose consumable (…3.18) names the vaccine
// (eHDSIVaccine), brand and lot; target diseases as participant AGNT, dose number as an
// observation (…3.28), as 2-1234-W8.xml.
import type { Immunization } from "../../../canonical/model";
import { el, type XElement } from "../../../shared/xml";
import { CodeSystems } from "../../../terminology/code-systems";
import { fixedCode, ts } from "../datatypes";
import { content, type NarrativeRow, narrativeTable, textRef } from "../narrative";
import { conceptText } from "../../../canonical/text";
import { ENTRY_TEMPLATE, type PsBuild, relatedObservation, type SectionSpec, section } from "./common";

const SPEC: SectionSpec = { template: 15, parents: ["2.16.840.1.113883.10.20.1.6"], code: "11369-6", display: "History of Immunization Narrative", key: "immunizations" };
/** IHE PCC ActCode IMMUNIZ, with the code system OID as the Wave 8 samples write it. */
const IMMUNIZ_SYSTEM = "1.3.5.1.4.1.19376.1.5.3.2";

export function immunizationSection(b: PsBuild, immunizations: Immunization[]): XElement | undefined {
  if (immunizations.length === 0) return undefined;
  const rows: NarrativeRow[] = [];
  const entries = immunizations.map((im) => {
    const id = b.nextId("immunization");
    rows.push({
      id,
      cells: [
        [content(`${id}-vaccine`, conceptText(im.vaccine))],
        [conceptText(im.product)],
        [im.date ?? ""],
        [im.targetDiseases.map((d) => conceptText(d)).join(", ")],
        [im.doseNumber !== undefined ? String(im.doseNumber) : ""],
        [im.lotNumber ?? ""],
      ],
    });
    return immunizationEntry(b, im, id);
  });
  return section(b, SPEC, [narrativeTable(b.labels.headers.immunizations, rows)], entries);
}

function immunizationEntry(b: PsBuild, im: Immunization, rowId: string): XElement {
  const productName = im.product ? conceptText(im.product) : undefined;
  return el(
    "substanceAdministration",
    { classCode: "SBADM", moodCode: "EVN", negationInd: "false" },
    [ENTRY_TEMPLATE(19), "1.3.6.1.4.1.19376.1.5.3.1.4.12", "2.16.840.1.113883.10.20.1.24"].map((root) => el("templateId", { root })),
    b.entryId(`immunization.${im.id}`),
    fixedCode("code", "IMMUNIZ", IMMUNIZ_SYSTEM, "Immunization", "IHEActCode"),
    textRef(rowId),
    el("statusCode", { code: "completed" }),
    ts("effectiveTime", im.date),
    el(
      "consumable",
      { typeCode: "CSM" },
      el(
        "manufacturedProduct",
        { classCode: "MANU" },
        el("templateId", { root: ENTRY_TEMPLATE(18) }),
        el("templateId", { root: "2.16.840.1.113883.10.20.1.53" }),
        el(
          "manufacturedMaterial",
          { classCode: "MMAT", determinerCode: "KIND" },
          b.coded("code", im.vaccine, "immunization.vaccine", `${rowId}-vaccine`),
          productName ? el("name", {}, productName) : undefined,
          im.lotNumber ? el("lotNumberText", {}, im.lotNumber) : undefined,
        ),
      ),
    ),
    im.targetDiseases.map((d) =>
      el(
        "participant",
        { typeCode: "IND" },
        el("participantRole", { classCode: "AGNT" }, b.coded("code", d, "immunization.targetDisease"), el("playingEntity", { classCode: "ENT", nullFlavor: "UNK" })),
      ),
    ),
    im.doseNumber !== undefined
      ? relatedObservation({
          typeCode: "SUBJ",
          templates: [ENTRY_TEMPLATE(28)],
          code: fixedCode("code", "30973-2", CodeSystems.loinc.oid, "Dose number", "LOINC"),
          value: el("value", { "xsi:type": "INT", value: String(im.doseNumber) }),
        })
      : undefined,
  );
}
