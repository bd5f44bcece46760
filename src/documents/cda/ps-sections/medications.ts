// Medication Summary section (LOINC 10160-0, templateId …2.3; required). Each medication is a
// substanceAdministration (…3.4, moodCode INT as the Wave 8 sample) with its treatment period,
// dosing frequency (PIVL_TS / EIVL_TS), route (eHDSIRouteofAdministration), dose and the
// medicinal product (…3.31/…3.32, pharm: namespace, built by product.ts). "No information" and
// "known absent" are a substanceAdministration coded with the IPS absent/unknown code, as
// 2-5678-W8.xml does.
import type { Dosage, MedicationUse, Quantity, RequiredSection } from "../../../canonical/model";
import { el, type XElement } from "../../../shared/xml";
import { binding } from "../../../terminology/bindings";
import { CodeSystems } from "../../../terminology/code-systems";
import { checkQuantity, eivlTs, ivlTs, pivlTs, pq, TIMING_EVENTS } from "../datatypes";
import { dosingPeriod } from "../medication-entry";
import { productBlock } from "../product";
import { type NarrativeRow, narrativeTable, textRef } from "../narrative";
import { conceptText, quantityText, ratioText } from "../../../canonical/text";
import { absentConcept, absentNarrative, ENTRY_TEMPLATE, type PsBuild, type SectionSpec, section } from "./common";

const SPEC: SectionSpec = { template: 3, parents: ["2.16.840.1.113883.10.20.1.8"], code: "10160-0", display: "History of Medication use Narrative", key: "medications" };
const TEMPLATES = [ENTRY_TEMPLATE(4), "2.16.840.1.113883.10.20.1.24"];

/** v3 ActStatus of a medication statement (FHIR MedicationStatement.status). */
const STATUS: Record<NonNullable<MedicationUse["status"]>, string> = {
  active: "active",
  completed: "completed",
  intended: "active",
  stopped: "aborted",
  "on-hold": "suspended",
};

export function medicationSection(b: PsBuild, data: RequiredSection<MedicationUse>): XElement {
  if (data.kind !== "entries" || data.entries.length === 0) {
    const kind = data.kind === "entries" ? "no-information" : data.kind;
    const concept = absentConcept("medications", kind);
    const id = b.nextId("medication");
    const entry = el(
      "substanceAdministration",
      { classCode: "SBADM", moodCode: "INT" },
      TEMPLATES.map((root) => el("templateId", { root })),
      b.entryId(`medications.${kind}`),
      b.coded("code", concept, "medication.absentOrUnknown"),
      textRef(id),
      el("statusCode", { code: "completed" }),
      el("effectiveTime", { "xsi:type": "IVL_TS", nullFlavor: "UNK" }),
      el("consumable", {}, el("manufacturedProduct", { classCode: "MANU" }, el("templateId", { root: ENTRY_TEMPLATE(31) }), el("manufacturedMaterial", { nullFlavor: "NA" }))),
    );
    return section(b, SPEC, [absentNarrative(id, b.labels.absent.medications[kind])], [entry]);
  }
  const rows: NarrativeRow[] = [];
  const entries = data.entries.map((m) => {
    const id = b.nextId("medication");
    rows.push(narrativeRow(b, id, m));
    return medicationEntry(b, m, id);
  });
  return section(b, SPEC, [narrativeTable(b.labels.headers.medications, rows)], entries);
}

/**
 * Dosing frequency: PIVL_TS for "every period", else EIVL_TS for an event (ACM, HS, ...). EIVL.event
 * admits only v3 TimingEvent codes and no translation (XSD), and its code is bound to
 * eHDSITimingEvent (medication.timingEvent): an event outside both is left to the narrative.
 */
function timing(b: PsBuild, d: Dosage | undefined): XElement | undefined {
  if (!d) return undefined;
  const period = dosingPeriod(d);
  if (period) return pivlTs("effectiveTime", period);
  const event = d.when?.find((w) => TIMING_EVENTS.has(w) && b.ctx.terminology.inValueSet(binding("medication.timingEvent", "ps").valueSet, TIMING_EVENT_SYSTEM, w));
  return event ? eivlTs("effectiveTime", event) : undefined;
}

/** v3 TimingEvent, the code system of eHDSITimingEvent. */
const TIMING_EVENT_SYSTEM = "2.16.840.1.113883.5.139";

function medicationEntry(b: PsBuild, m: MedicationUse, rowId: string): XElement {
  // The first structured dosage is coded; split dosing is shown whole in the narrative.
  const d = m.dosage[0];
  return el(
    "substanceAdministration",
    { classCode: "SBADM", moodCode: "INT" },
    TEMPLATES.map((root) => el("templateId", { root })),
    b.entryId(`medication.${m.id}`),
    textRef(rowId),
    el("statusCode", { code: m.status ? STATUS[m.status] : "active" }),
    ivlTs("effectiveTime", m.period),
    timing(b, d),
    d?.route ? b.coded("routeCode", d.route, "medication.route") : undefined,
    d?.dose ? doseQuantity(b, d.dose) : undefined,
    el("consumable", {}, productBlock(m.product, b.ctx, "ps")),
  );
}

/**
 * doseQuantity: its UCUM unit is bound to eHDSIUnit (medication.unit, usage O). A unit outside the
 * value set cannot be carried by an attribute with a nullFlavor, so the dose becomes
 * nullFlavor="OTH" (the narrative still gives it in full).
 */
function doseQuantity(b: PsBuild, q: Quantity): XElement {
  if (b.ctx.terminology.inValueSet(binding("medication.unit", "ps").valueSet, CodeSystems.ucum.oid, q.unit)) return pq("doseQuantity", q);
  checkQuantity(q, "doseQuantity");
  return el("doseQuantity", { nullFlavor: "OTH" });
}

function dosageText(b: PsBuild, d: Dosage): string {
  if (d.text) return d.text;
  const parts: string[] = [];
  if (d.period) parts.push(`${d.frequency ?? 1} ${b.labels.per} ${quantityText(d.period)}`);
  if (d.when?.length) parts.push(d.when.join(", "));
  return parts.join(" ");
}

function narrativeRow(b: PsBuild, id: string, m: MedicationUse): NarrativeRow {
  const p = m.product;
  const ingredients = p.ingredients
    .map((i) => {
      const name = conceptText(i.substance);
      return i.strength ? `${name} ${ratioText(i.strength, { unitDenominator: "quantity", omitDenominatorOne: false })}` : name;
    })
    .join(", ");
  const d = m.dosage[0];
  return {
    id,
    cells: [
      [p.name],
      [ingredients],
      [conceptText(p.doseForm)],
      [d?.dose ? quantityText(d.dose) : ""],
      [m.dosage.map((d) => dosageText(b, d)).filter(Boolean).join("; ")],
      [b.period(m.period?.start, m.period?.end)],
      [conceptText(d?.route)],
      [conceptText(m.reason)],
    ],
  };
}
