// History of Pregnancies section (LOINC 10162-6, templateId …2.7; optional): current pregnancy
// status (…3.45, LOINC 82810-3, eHDSICurrentPregnancyStatus) with the estimated delivery date
// (…3.24, eHDSIPregnancyInformation), and previous pregnancy outcomes (…3.46, eHDSIOutcomeOfPregnancy,
// count as INT) with their dates (…3.47, LOINC 93857-1), as 2-1234-W8.xml.
import type { Pregnancy } from "../../../canonical/model";
import { el, type XChild, type XElement } from "../../../shared/xml";
import { CodeSystems } from "../../../terminology/code-systems";
import { fixedCode, toTs, ts } from "../datatypes";
import { type NarrativeRow, narrativeTable, textRef } from "../narrative";
import { conceptText } from "../../../canonical/text";
import { ENTRY_TEMPLATE, type PsBuild, type SectionSpec, section } from "./common";

const SPEC: SectionSpec = { template: 7, code: "10162-6", display: "History of pregnancies Narrative", key: "pregnancy" };

const observation = (template: number, ...children: XChild[]): XElement =>
  el("observation", { classCode: "OBS", moodCode: "EVN" }, el("templateId", { root: ENTRY_TEMPLATE(template) }), ...children);

export function pregnancySection(b: PsBuild, p: Pregnancy | undefined): XElement | undefined {
  if (!p || (!p.status && !p.estimatedDelivery && p.outcomes.length === 0)) return undefined;
  const rows: NarrativeRow[] = [];
  const entries: XElement[] = [];
  if (p.status || p.estimatedDelivery) {
    const id = b.nextId("pregnancy");
    rows.push({ id, cells: [[b.labels.currentPregnancy], [conceptText(p.status?.value)], [p.status?.time ?? ""], [p.estimatedDelivery ? `${b.labels.estimatedDelivery}: ${p.estimatedDelivery.date}` : ""]] });
    const edd = p.estimatedDelivery;
    entries.push(
      observation(
        45,
        b.entryId("pregnancy.status"),
        fixedCode("code", "82810-3", CodeSystems.loinc.oid, "Pregnancy status", "LOINC"),
        textRef(id),
        el("statusCode", { code: "completed" }),
        ts("effectiveTime", p.status?.time),
        p.status ? b.coded("value", p.status.value, "pregnancy.status", undefined, "CD") : el("value", { "xsi:type": "CD", nullFlavor: "UNK" }),
        edd
          ? el(
              "entryRelationship",
              { typeCode: "COMP" },
              el(
                "observation",
                { classCode: "OBS", moodCode: "EVN" },
                [ENTRY_TEMPLATE(24), ENTRY_TEMPLATE(20), "1.3.6.1.4.1.19376.1.5.3.1.4.13", "1.3.6.1.4.1.19376.1.5.3.1.4.13.5"].map((root) => el("templateId", { root })),
                b.entryId("pregnancy.edd"),
                b.obsCode({ coding: { code: "11778-8", system: CodeSystems.loinc.oid, display: "Delivery date Estimated" } }, "pregnancy.observation"),
                textRef(id),
                el("statusCode", { code: "completed" }),
                ts("effectiveTime", edd.time ?? p.status?.time),
                el("value", { "xsi:type": "TS", value: toTs(edd.date, "pregnancy/estimatedDelivery") }),
              ),
            )
          : undefined,
      ),
    );
  }
  p.outcomes.forEach((o, i) => {
    const id = b.nextId("pregnancy");
    rows.push({ id, cells: [[b.labels.previousPregnancies], [conceptText(o.outcome)], [o.date ?? ""], [o.count !== undefined ? String(o.count) : ""]] });
    entries.push(
      observation(
        46,
        b.entryId(`pregnancy.outcome.${i + 1}`),
        b.obsCode(o.outcome, "pregnancy.outcome"),
        textRef(id),
        el("statusCode", { code: "completed" }),
        o.count !== undefined ? el("value", { "xsi:type": "INT", value: String(o.count) }) : undefined,
      ),
    );
    if (o.date) {
      entries.push(
        observation(
          47,
          b.entryId(`pregnancy.outcome.${i + 1}.date`),
          fixedCode("code", "93857-1", CodeSystems.loinc.oid, "Date and time of obstetric delivery", "LOINC"),
          textRef(id),
          el("statusCode", { code: "completed" }),
          el("value", { "xsi:type": "TS", value: toTs(o.date, "pregnancy/outcome/date") }),
        ),
      );
    }
  });
  return section(b, SPEC, [narrativeTable(b.labels.headers.pregnancy, rows)], entries);
}
