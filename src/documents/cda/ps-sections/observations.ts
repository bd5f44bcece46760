// The observation-based optional sections, as 2-1234-W8.xml shows them:
//  - Social History (LOINC 29762-2, …2.13): observations …3.23, code eHDSISocialHistory;
//  - Vital Signs (LOINC 8716-3, …2.6): an organizer …3.21 per measurement, component observations
//    …3.22 (codes bound to eHDSIBloodPressure; other measurements as nullFlavor OTH + translation);
//  - Results (LOINC 30954-2, …2.5): observations …3.25 (blood group value eHDSIBloodGroup;
//    laboratory codes are not bound: eHDSILaboratoryObservation is not in the MVC package);
//  - Functional Status (LOINC 47420-5, …2.14): an organizer …3.39 per assessment, observations …3.40;
//  - Advance Directives (LOINC 42348-3, …2.16): narrative only, as the Wave 8 sample.
import type { AdvanceDirective, Concept, Observation, ObservationComponent } from "../../../canonical/model";
import { el, type XChild, type XElement } from "../../../shared/xml";
import { CodeSystems } from "../../../terminology/code-systems";
import { ivlTs, pq, sourceCoded, ts } from "../datatypes";
import { content, type NarrativeRow, narrativeTable, textRef } from "../narrative";
import { conceptText, valueText } from "../../../canonical/text";
import { ENTRY_TEMPLATE, observationValue, type PsBuild, type SectionSpec, section } from "./common";

const IHE_SIMPLE_OBSERVATION = "1.3.6.1.4.1.19376.1.5.3.1.4.13";

const SOCIAL: SectionSpec = { template: 13, parents: ["2.16.840.1.113883.10.20.1.15"], code: "29762-2", display: "Social history Narrative", key: "socialHistory" };
const VITAL: SectionSpec = { template: 6, code: "8716-3", display: "Vital signs", key: "vitalSigns" };
const RESULTS: SectionSpec = { template: 5, code: "30954-2", display: "Relevant diagnostic tests/laboratory data Narrative", key: "results" };
const FUNCTIONAL: SectionSpec = { template: 14, code: "47420-5", display: "Functional status assessment note", key: "functionalStatus" };
const DIRECTIVES: SectionSpec = { template: 16, code: "42348-3", display: "Advance healthcare directives", key: "advanceDirectives" };

/** Time of an observation: a period (IVL_TS) when the record gives one, else a point in time. */
function effectiveTime(o: Observation): XElement {
  return o.period ? ivlTs("effectiveTime", o.period, { xsiType: false }) : ts("effectiveTime", o.time);
}

function timeText(b: PsBuild, o: Observation): string {
  return o.period ? b.period(o.period.start, o.period.end) : (o.time ?? "");
}

function rowsAndEntries(b: PsBuild, prefix: string, list: Observation[], entry: (o: Observation, id: string) => XElement): { rows: NarrativeRow[]; entries: XElement[] } {
  const rows: NarrativeRow[] = [];
  const entries = list.map((o) => {
    const id = b.nextId(prefix);
    const parts = o.components.map((c) => `${conceptText(c.code)}: ${valueText(c.value)}`);
    rows.push({
      id,
      cells: [[content(`${id}-code`, conceptText(o.code))], [[valueText(o.value), ...parts].filter(Boolean).join("; ")], [timeText(b, o)], [conceptText(o.interpretation)]],
    });
    return entry(o, id);
  });
  return { rows, entries };
}


function simpleObservation(b: PsBuild, templates: string[], localId: string, code: XElement | undefined, rowId: string, o: Observation, value: XChild, extra: XChild[] = []): XElement {
  return el(
    "observation",
    { classCode: "OBS", moodCode: "EVN" },
    templates.map((root) => el("templateId", { root })),
    b.entryId(localId),
    code,
    textRef(rowId),
    el("statusCode", { code: "completed" }),
    effectiveTime(o),
    value,
    o.interpretation ? sourceCoded("interpretationCode", o.interpretation) : undefined,
    extra,
  );
}

// ---- social history ----------------------------------------------------------------------------------

export function socialHistorySection(b: PsBuild, list: Observation[]): XElement | undefined {
  if (list.length === 0) return undefined;
  const templates = [ENTRY_TEMPLATE(23), ENTRY_TEMPLATE(20), IHE_SIMPLE_OBSERVATION, "1.3.6.1.4.1.19376.1.5.3.1.4.13.4", "2.16.840.1.113883.10.20.1.33"];
  const { rows, entries } = rowsAndEntries(b, "social", list, (o, id) =>
    simpleObservation(b, templates, `social.${o.id}`, b.obsCode(o.code, "socialHistory.code", `${id}-code`), id, o, o.value ? observationValue(b, o.value) : undefined),
  );
  return section(b, SOCIAL, [narrativeTable(b.labels.headers.observations, rows)], entries);
}

// ---- vital signs ---------------------------------------------------------------------------------------

const VITAL_SIGN_TEMPLATES = [ENTRY_TEMPLATE(20), ENTRY_TEMPLATE(22), IHE_SIMPLE_OBSERVATION, "1.3.6.1.4.1.19376.1.5.3.1.4.13.2", "2.16.840.1.113883.10.20.1.31"];

/** Vital sign observation codes (…3.22) are bound to eHDSIBloodPressure (coded element list): a
 *  blood pressure code passes; any other measurement (heart rate, ...) is written as nullFlavor OTH
 *  with its LOINC code kept as translation (transcode, usage O). */
function vitalSignCode(b: PsBuild, code: Concept, ref?: string): XElement {
  return b.obsCode(code, "vitalSign.bloodPressure", ref);
}

export function vitalSignsSection(b: PsBuild, list: Observation[]): XElement | undefined {
  if (list.length === 0) return undefined;
  const { rows, entries } = rowsAndEntries(b, "vital", list, (o, id) => {
    // A panel (e.g. blood pressure 85354-9) gives one component observation per component; a
    // single measurement gives one.
    const parts: { code: Concept; value: Observation["value"]; ref?: string; key: string }[] =
      o.components.length > 0
        ? o.components.map((c: ObservationComponent, i) => ({ code: c.code, value: c.value, key: `${i + 1}` }))
        : [{ code: o.code, value: o.value, ref: `${id}-code`, key: "1" }];
    return el(
      "organizer",
      { classCode: "CLUSTER", moodCode: "EVN" },
      [ENTRY_TEMPLATE(21), "1.3.6.1.4.1.19376.1.5.3.1.4.13.1", "2.16.840.1.113883.10.20.1.32", "2.16.840.1.113883.10.20.1.35"].map((root) => el("templateId", { root })),
      b.entryId(`vital.${o.id}`),
      el("code", { code: "46680005", codeSystem: CodeSystems.snomed.oid, codeSystemName: CodeSystems.snomed.name, displayName: "Vital signs" }),
      el("statusCode", { code: "completed" }),
      effectiveTime(o),
      parts.map((p) =>
        el(
          "component",
          {},
          simpleObservation(b, VITAL_SIGN_TEMPLATES, `vital.${o.id}.${p.key}`, vitalSignCode(b, p.code, p.ref), id, o, p.value ? observationValue(b, p.value) : undefined),
        ),
      ),
    );
  });
  return section(b, VITAL, [narrativeTable(b.labels.headers.observations, rows)], entries);
}

// ---- results ----------------------------------------------------------------------------------------------

const BLOOD_GROUP_PANEL = "34530-6";

function referenceRange(o: Observation): XElement | undefined {
  const r = o.referenceRange;
  if (!r) return undefined;
  const value = r.low || r.high ? el("value", { "xsi:type": "IVL_PQ" }, r.low ? pq("low", r.low) : undefined, r.high ? pq("high", r.high) : undefined) : undefined;
  return el("referenceRange", {}, el("observationRange", {}, r.text ? el("text", {}, r.text) : undefined, value));
}

export function resultsSection(b: PsBuild, list: Observation[]): XElement | undefined {
  if (list.length === 0) return undefined;
  const templates = [ENTRY_TEMPLATE(25), ENTRY_TEMPLATE(20), IHE_SIMPLE_OBSERVATION];
  const { rows, entries } = rowsAndEntries(b, "result", list, (o, id) => {
    const bloodGroup = o.code.coding?.code === BLOOD_GROUP_PANEL && o.code.coding.system === CodeSystems.loinc.oid;
    const value = o.value ? observationValue(b, o.value, bloodGroup ? "result.bloodGroup" : undefined) : undefined;
    const components = o.components.map((c, i) =>
      el(
        "entryRelationship",
        { typeCode: "COMP" },
        el(
          "observation",
          { classCode: "OBS", moodCode: "EVN" },
          templates.map((root) => el("templateId", { root })),
          b.entryId(`result.${o.id}.${i + 1}`),
          sourceCoded("code", c.code),
          textRef(id),
          el("statusCode", { code: "completed" }),
          effectiveTime(o),
          observationValue(b, c.value),
        ),
      ),
    );
    // Observation order (XSD): ..., value, interpretationCode, ..., entryRelationship, referenceRange.
    return simpleObservation(b, templates, `result.${o.id}`, sourceCoded("code", o.code, { ref: `${id}-code` }), id, o, value, [components, referenceRange(o)]);
  });
  return section(b, RESULTS, [narrativeTable(b.labels.headers.observations, rows)], entries);
}

// ---- functional status -----------------------------------------------------------------------------------

export function functionalStatusSection(b: PsBuild, list: Observation[]): XElement | undefined {
  if (list.length === 0) return undefined;
  const { rows, entries } = rowsAndEntries(b, "functional", list, (o, id) =>
    el(
      "organizer",
      { classCode: "CLUSTER", moodCode: "EVN" },
      el("templateId", { root: ENTRY_TEMPLATE(39) }),
      b.entryId(`functional.${o.id}.organizer`),
      el("code", { code: "47420-5", codeSystem: CodeSystems.loinc.oid, codeSystemName: "LOINC", displayName: "Functional status assessment note" }),
      el("statusCode", { code: "completed" }),
      effectiveTime(o),
      el(
        "component",
        {},
        simpleObservation(b, [ENTRY_TEMPLATE(40), IHE_SIMPLE_OBSERVATION], `functional.${o.id}`, sourceCoded("code", o.code, { ref: `${id}-code` }), id, o, o.value ? observationValue(b, o.value) : undefined),
      ),
    ),
  );
  return section(b, FUNCTIONAL, [narrativeTable(b.labels.headers.observations, rows)], entries);
}

// ---- advance directives -----------------------------------------------------------------------------------

export function advanceDirectivesSection(b: PsBuild, list: AdvanceDirective[]): XElement | undefined {
  if (list.length === 0) return undefined;
  const rows: NarrativeRow[] = list.map((d) => ({
    id: b.nextId("directive"),
    cells: [[conceptText(d.code)], [d.text ?? ""], [b.period(d.period?.start, d.period?.end)]],
  }));
  return section(b, DIRECTIVES, [narrativeTable(b.labels.headers.advanceDirectives, rows)], []);
}
