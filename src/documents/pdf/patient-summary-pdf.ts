// The Level 1 Patient Summary: a PDF a person reads (issue 2 "Level 1"). Sections follow the PS L3
// order (the five required ones first, each always present, with "No known ..." when the record
// states the condition absent and "No information about ..." when it has none; optional sections
// only when they have data), entries as tables showing display texts.
import type { Observation, PatientSummary, Problem, RequiredSection } from "../../canonical/model";
import { conceptText, dateText, dosageText, nameText, periodText, ratioText, valueText } from "../../canonical/text";
import { patientFields } from "./format";
import { PdfLayout, type Column } from "./layout";

/** What an empty required section says (IPS absent/unknown: known absent vs no information). */
export const ABSENT_STATEMENTS = {
  medications: { knownAbsent: "No known medications.", noInformation: "No information about medications." },
  allergies: { knownAbsent: "No known allergies.", noInformation: "No information about allergies." },
  problems: { knownAbsent: "No known problems.", noInformation: "No information about problems." },
  procedures: { knownAbsent: "No known surgical procedures.", noInformation: "No information about surgical procedures." },
  devices: { knownAbsent: "No known medical devices.", noInformation: "No information about medical devices." },
} as const;

function required<T>(layout: PdfLayout, heading: string, section: RequiredSection<T>, statements: { knownAbsent: string; noInformation: string }, columns: Column[], row: (e: T) => string[]): void {
  layout.heading(heading);
  if (section.kind === "known-absent") layout.paragraph(statements.knownAbsent, { bold: true });
  else if (section.kind === "no-information" || section.entries.length === 0) layout.paragraph(statements.noInformation, { italic: true });
  else layout.table(columns, section.entries.map(row));
}

function optional<T>(layout: PdfLayout, heading: string, entries: T[], columns: Column[], row: (e: T) => string[]): void {
  if (entries.length === 0) return;
  layout.heading(heading);
  layout.table(columns, entries.map(row));
}

function observationRow(o: Observation): string[] {
  const components = o.components.map((c) => `${conceptText(c.code, "display-first")}: ${valueText(c.value, "display-first")}`).join("; ");
  return [conceptText(o.code, "display-first"), [valueText(o.value, "display-first"), components].filter(Boolean).join("; "), dateText(o.time) || periodText(o.period), conceptText(o.interpretation, "display-first")];
}

const OBSERVATION_COLUMNS: Column[] = [
  { header: "Observation", share: 0.35 },
  { header: "Value", share: 0.3 },
  { header: "Date", share: 0.17 },
  { header: "Interpretation", share: 0.18 },
];

const problemRow = (p: Problem): string[] => [conceptText(p.code, "display-first"), p.status, dateText(p.onset), dateText(p.abatement), conceptText(p.severity, "display-first") || conceptText(p.outcome, "display-first")];

export async function renderPatientSummaryPdf(ps: PatientSummary, options: { date: Date }): Promise<Uint8Array> {
  const patientName = ps.patient.names.map(nameText).find(Boolean) ?? "";
  const layout = await PdfLayout.create({ title: `Patient Summary - ${patientName}`, subject: "Patient Summary (eHDSI Level 1)", language: ps.language, date: options.date });
  layout.title("Patient Summary", `${patientName} - record updated ${dateText(ps.time)}`);

  layout.heading("Patient");
  layout.fields(patientFields(ps.patient));
  layout.heading("Document");
  layout.fields([
    ["Author(s)", ps.authors.map((a) => [nameText(a.name), a.organization?.name].filter(Boolean).join(", ")).join("; ")],
    ["Custodian", ps.custodian.name],
    ["Legal authenticator", ps.legalAuthenticator ? nameText(ps.legalAuthenticator.name) : undefined],
    ["Last updated", dateText(ps.time)],
  ]);

  required(layout, "Medication summary", ps.medications, ABSENT_STATEMENTS.medications,
    [{ header: "Medicinal product", share: 0.3 }, { header: "Active ingredients", share: 0.25 }, { header: "Dosage", share: 0.25 }, { header: "Period", share: 0.2 }],
    (m) => [
      [m.product.name, conceptText(m.product.doseForm, "display-first")].filter(Boolean).join(", "),
      m.product.ingredients.map((i) => [conceptText(i.substance, "display-first"), ratioText(i.strength)].filter(Boolean).join(" ")).join("; "),
      dosageText(m.dosage, "display-first"),
      periodText(m.period),
    ]);
  required(layout, "Allergies and intolerances", ps.allergies, ABSENT_STATEMENTS.allergies,
    [{ header: "Agent", share: 0.25 }, { header: "Type", share: 0.2 }, { header: "Reactions", share: 0.3 }, { header: "Criticality / status", share: 0.13 }, { header: "Onset", share: 0.12 }],
    (a) => [
      conceptText(a.agent, "display-first"),
      conceptText(a.type, "display-first") || a.category || "",
      a.reactions.map((r) => [conceptText(r.manifestation, "display-first"), conceptText(r.severity, "display-first")].filter(Boolean).join(" - ")).join("; "),
      [a.criticality, a.status, a.verification].filter(Boolean).join(", "),
      dateText(a.onset),
    ]);
  const problemColumns: Column[] = [{ header: "Problem", share: 0.36 }, { header: "Status", share: 0.12 }, { header: "Onset", share: 0.14 }, { header: "End", share: 0.14 }, { header: "Severity / outcome", share: 0.24 }];
  required(layout, "Active problems", ps.problems, ABSENT_STATEMENTS.problems, problemColumns, problemRow);
  required(layout, "Surgical procedures", ps.procedures, ABSENT_STATEMENTS.procedures,
    [{ header: "Procedure", share: 0.5 }, { header: "Date", share: 0.2 }, { header: "Body site", share: 0.3 }],
    (p) => [conceptText(p.code, "display-first"), dateText(p.date), conceptText(p.bodySite, "display-first")]);
  required(layout, "Medical devices", ps.devices, ABSENT_STATEMENTS.devices,
    [{ header: "Device", share: 0.45 }, { header: "Since", share: 0.15 }, { header: "Until", share: 0.15 }, { header: "Identifier (UDI)", share: 0.25 }],
    (d) => [conceptText(d.device, "display-first"), dateText(d.start), dateText(d.end), d.udi ?? ""]);

  optional(layout, "Immunizations", ps.immunizations,
    [{ header: "Vaccine", share: 0.3 }, { header: "Date", share: 0.15 }, { header: "Target diseases", share: 0.3 }, { header: "Dose / lot", share: 0.25 }],
    (i) => [conceptText(i.vaccine, "display-first"), dateText(i.date), i.targetDiseases.map((c) => conceptText(c, "display-first")).join("; "), [i.doseNumber ? `dose ${i.doseNumber}` : "", i.lotNumber ? `lot ${i.lotNumber}` : ""].filter(Boolean).join(", ")]);
  optional(layout, "History of past illness", ps.pastIllnesses, problemColumns, problemRow);
  if (ps.pregnancy && (ps.pregnancy.status || ps.pregnancy.estimatedDelivery || ps.pregnancy.outcomes.length > 0)) {
    layout.heading("History of pregnancies");
    layout.fields([
      ["Current status", ps.pregnancy.status ? [conceptText(ps.pregnancy.status.value, "display-first"), dateText(ps.pregnancy.status.time)].filter(Boolean).join(", ") : undefined],
      ["Expected delivery", dateText(ps.pregnancy.estimatedDelivery?.date)],
    ]);
    if (ps.pregnancy.outcomes.length > 0) {
      layout.table([{ header: "Outcome", share: 0.6 }, { header: "Count", share: 0.2 }, { header: "Date", share: 0.2 }],
        ps.pregnancy.outcomes.map((o) => [conceptText(o.outcome, "display-first"), o.count === undefined ? "" : String(o.count), dateText(o.date)]));
    }
  }
  optional(layout, "Social history", ps.socialHistory, OBSERVATION_COLUMNS, observationRow);
  optional(layout, "Vital signs", ps.vitalSigns, OBSERVATION_COLUMNS, observationRow);
  optional(layout, "Diagnostic results", ps.results, OBSERVATION_COLUMNS, observationRow);
  optional(layout, "Advance directives", ps.advanceDirectives, [{ header: "Directive", share: 0.4 }, { header: "Text", share: 0.4 }, { header: "Period", share: 0.2 }],
    (d) => [conceptText(d.code, "display-first"), d.text ?? "", periodText(d.period)]);
  optional(layout, "Functional status", ps.functionalStatus, OBSERVATION_COLUMNS, observationRow);

  return layout.finish(`Patient Summary of ${patientName} - Level 1 rendering by Passerelle, ${dateText(options.date.toISOString())} UTC`);
}
