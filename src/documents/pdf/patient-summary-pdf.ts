// The Level 1 Patient Summary: a PDF a person reads (issue 2 "Level 1"). Sections follow the PS L3
// order (the five required ones first, each always present, with "No known ..." when the record
// states the condition absent and "No information about ..." when it has none; optional sections
// only when they have data), entries as tables showing display texts.
import type { Observation, ObservationValue, PatientSummary, Problem, RequiredSection } from "../../canonical/model";
import { conceptText, dateText, dosageText, nameText, patientFields, periodText, quantityText, ratioText } from "./format";
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

function valueText(v: ObservationValue | undefined): string {
  if (!v) return "";
  switch (v.kind) {
    case "quantity":
      return quantityText(v.quantity);
    case "coded":
      return conceptText(v.concept);
    case "text":
      return v.text;
    case "range":
      return [quantityText(v.low), quantityText(v.high)].join(" - ");
  }
}

function observationRow(o: Observation): string[] {
  const components = o.components.map((c) => `${conceptText(c.code)}: ${valueText(c.value)}`).join("; ");
  return [conceptText(o.code), [valueText(o.value), components].filter(Boolean).join("; "), dateText(o.time) || periodText(o.period), conceptText(o.interpretation)];
}

const OBSERVATION_COLUMNS: Column[] = [
  { header: "Observation", share: 0.35 },
  { header: "Value", share: 0.3 },
  { header: "Date", share: 0.17 },
  { header: "Interpretation", share: 0.18 },
];

const problemRow = (p: Problem): string[] => [conceptText(p.code), p.status, dateText(p.onset), dateText(p.abatement), conceptText(p.severity) || conceptText(p.outcome)];

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
      [m.product.name, conceptText(m.product.doseForm)].filter(Boolean).join(", "),
      m.product.ingredients.map((i) => [conceptText(i.substance), ratioText(i.strength)].filter(Boolean).join(" ")).join("; "),
      dosageText(m.dosage),
      periodText(m.period),
    ]);
  required(layout, "Allergies and intolerances", ps.allergies, ABSENT_STATEMENTS.allergies,
    [{ header: "Agent", share: 0.25 }, { header: "Type", share: 0.2 }, { header: "Reactions", share: 0.3 }, { header: "Criticality / status", share: 0.13 }, { header: "Onset", share: 0.12 }],
    (a) => [
      conceptText(a.agent),
      conceptText(a.type) || a.category || "",
      a.reactions.map((r) => [conceptText(r.manifestation), conceptText(r.severity)].filter(Boolean).join(" - ")).join("; "),
      [a.criticality, a.status, a.verification].filter(Boolean).join(", "),
      dateText(a.onset),
    ]);
  const problemColumns: Column[] = [{ header: "Problem", share: 0.36 }, { header: "Status", share: 0.12 }, { header: "Onset", share: 0.14 }, { header: "End", share: 0.14 }, { header: "Severity / outcome", share: 0.24 }];
  required(layout, "Active problems", ps.problems, ABSENT_STATEMENTS.problems, problemColumns, problemRow);
  required(layout, "Surgical procedures", ps.procedures, ABSENT_STATEMENTS.procedures,
    [{ header: "Procedure", share: 0.5 }, { header: "Date", share: 0.2 }, { header: "Body site", share: 0.3 }],
    (p) => [conceptText(p.code), dateText(p.date), conceptText(p.bodySite)]);
  required(layout, "Medical devices", ps.devices, ABSENT_STATEMENTS.devices,
    [{ header: "Device", share: 0.45 }, { header: "Since", share: 0.15 }, { header: "Until", share: 0.15 }, { header: "Identifier (UDI)", share: 0.25 }],
    (d) => [conceptText(d.device), dateText(d.start), dateText(d.end), d.udi ?? ""]);

  optional(layout, "Immunizations", ps.immunizations,
    [{ header: "Vaccine", share: 0.3 }, { header: "Date", share: 0.15 }, { header: "Target diseases", share: 0.3 }, { header: "Dose / lot", share: 0.25 }],
    (i) => [conceptText(i.vaccine), dateText(i.date), i.targetDiseases.map(conceptText).join("; "), [i.doseNumber ? `dose ${i.doseNumber}` : "", i.lotNumber ? `lot ${i.lotNumber}` : ""].filter(Boolean).join(", ")]);
  optional(layout, "History of past illness", ps.pastIllnesses, problemColumns, problemRow);
  if (ps.pregnancy && (ps.pregnancy.status || ps.pregnancy.estimatedDelivery || ps.pregnancy.outcomes.length > 0)) {
    layout.heading("History of pregnancies");
    layout.fields([
      ["Current status", ps.pregnancy.status ? [conceptText(ps.pregnancy.status.value), dateText(ps.pregnancy.status.time)].filter(Boolean).join(", ") : undefined],
      ["Expected delivery", dateText(ps.pregnancy.estimatedDelivery?.date)],
    ]);
    if (ps.pregnancy.outcomes.length > 0) {
      layout.table([{ header: "Outcome", share: 0.6 }, { header: "Count", share: 0.2 }, { header: "Date", share: 0.2 }],
        ps.pregnancy.outcomes.map((o) => [conceptText(o.outcome), o.count === undefined ? "" : String(o.count), dateText(o.date)]));
    }
  }
  optional(layout, "Social history", ps.socialHistory, OBSERVATION_COLUMNS, observationRow);
  optional(layout, "Vital signs", ps.vitalSigns, OBSERVATION_COLUMNS, observationRow);
  optional(layout, "Diagnostic results", ps.results, OBSERVATION_COLUMNS, observationRow);
  optional(layout, "Advance directives", ps.advanceDirectives, [{ header: "Directive", share: 0.4 }, { header: "Text", share: 0.4 }, { header: "Period", share: 0.2 }],
    (d) => [conceptText(d.code), d.text ?? "", periodText(d.period)]);
  optional(layout, "Functional status", ps.functionalStatus, OBSERVATION_COLUMNS, observationRow);

  return layout.finish(`Patient Summary of ${patientName} - Level 1 rendering by Passerelle, ${dateText(options.date.toISOString())} UTC`);
}
