// History of Procedures section (LOINC 47519-4, templateId …2.11; required). Each procedure is a
// procedure act (…3.26): code (eHDSIProcedure), date, body site, as 2-1234-W8.xml. "No
// information" / "known absent": a procedure coded with the IPS absent/unknown code, its
// effectiveTime nullFlavor NA (2-5678-W8.xml).
import type { Procedure, RequiredSection } from "../../../canonical/model";
import { el, type XElement } from "../../../shared/xml";
import { sourceCoded, ts } from "../datatypes";
import { content, type NarrativeRow, narrativeTable, textRef } from "../narrative";
import { conceptText } from "../../../canonical/text";
import { absentConcept, absentNarrative, ENTRY_TEMPLATE, type PsBuild, type SectionSpec, section } from "./common";

const SPEC: SectionSpec = { template: 11, code: "47519-4", display: "History of Procedures Document", key: "procedures" };

const procedure = (...children: Parameters<typeof el>[2][]): XElement =>
  el("procedure", { classCode: "PROC", moodCode: "EVN" }, el("templateId", { root: ENTRY_TEMPLATE(26) }), ...children);

export function procedureSection(b: PsBuild, data: RequiredSection<Procedure>): XElement {
  if (data.kind !== "entries" || data.entries.length === 0) {
    const kind = data.kind === "entries" ? "no-information" : data.kind;
    const concept = absentConcept("procedures", kind);
    const id = b.nextId("procedure");
    const entry = procedure(
      b.entryId(`procedures.${kind}`),
      b.coded("code", concept, "procedure.code"),
      textRef(id),
      el("statusCode", { code: "completed" }),
      el("effectiveTime", { nullFlavor: "NA" }),
    );
    return section(b, SPEC, [absentNarrative(id, b.labels.absent.procedures[kind])], [entry]);
  }
  const rows: NarrativeRow[] = [];
  const entries = data.entries.map((p) => {
    const id = b.nextId("procedure");
    rows.push({ id, cells: [[content(`${id}-code`, conceptText(p.code))], [p.date ?? ""], [conceptText(p.bodySite)]] });
    return procedure(
      b.entryId(`procedure.${p.id}`),
      b.coded("code", p.code, "procedure.code", `${id}-code`),
      textRef(id),
      el("statusCode", { code: "completed" }),
      ts("effectiveTime", p.date),
      // Body site: no MVC value set is bound (coded element list); the source code as given.
      p.bodySite ? sourceCoded("targetSiteCode", p.bodySite) : undefined,
    );
  });
  return section(b, SPEC, [narrativeTable(b.labels.headers.procedures, rows)], entries);
}
