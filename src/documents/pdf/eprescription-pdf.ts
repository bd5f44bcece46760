// The Level 1 ePrescription: one PDF per prescription (issue 2 "Level 1"), with the prescriber, the
// patient and one table row per prescribed item.
import type { Prescription } from "../../canonical/model";
import { addressText, conceptText, dateText, dosageText, nameText, periodText, ratioText, telecomText } from "../../canonical/text";
import { patientFields } from "./format";
import { PdfLayout } from "./layout";

export async function renderPrescriptionPdf(p: Prescription, options: { date: Date }): Promise<Uint8Array> {
  const patientName = p.patient.names.map(nameText).find(Boolean) ?? "";
  const layout = await PdfLayout.create({ title: `ePrescription ${p.id} - ${patientName}`, subject: "ePrescription (eHDSI Level 1)", language: p.language, date: options.date });
  layout.title("ePrescription", `Prescription ${p.id} - issued ${dateText(p.issued)}`);

  layout.heading("Patient");
  layout.fields(patientFields(p.patient));
  layout.heading("Prescriber");
  const org = p.prescriber.organization;
  layout.fields([
    ["Name", nameText(p.prescriber.name)],
    ["Profession", conceptText(p.prescriber.role ? { coding: p.prescriber.role } : undefined, "display-first")],
    ["Organisation", org ? [org.name, org.address ? addressText(org.address) : ""].filter(Boolean).join(", ") : undefined],
    ["Contact", telecomText(p.prescriber.telecom ?? org?.telecom ?? [])],
  ]);
  layout.heading("Prescription");
  layout.fields([
    ["Identifier", p.id],
    ["Issued", dateText(p.issued)],
    ["Valid until", dateText(p.validUntil)],
    ["Status", p.status],
  ]);
  layout.heading("Prescribed medicines");
  layout.table(
    [
      { header: "Medicinal product", share: 0.26 },
      { header: "Strength", share: 0.14 },
      { header: "Dosage", share: 0.22 },
      { header: "Packages", share: 0.12 },
      { header: "Substitution", share: 0.1 },
      { header: "Instructions", share: 0.16 },
    ],
    p.items.map((i) => [
      [i.product.name, conceptText(i.product.doseForm, "display-first"), i.product.atc?.display].filter(Boolean).join(", "),
      i.product.ingredients.map((g) => [conceptText(g.substance, "display-first"), ratioText(g.strength)].filter(Boolean).join(" ")).join("; "),
      [dosageText(i.dosage, "display-first"), periodText(i.period)].filter(Boolean).join("; "),
      `${i.packages}${i.packagesDispensed ? ` (${i.packagesDispensed} dispensed)` : ""}${i.product.package?.quantity ? ` x ${i.product.package.quantity.value}` : ""}`,
      i.substitutionAllowed ? "allowed" : "not allowed",
      [i.instructions, i.reason ? `Reason: ${conceptText(i.reason, "display-first")}` : ""].filter(Boolean).join(" "),
    ]),
  );
  return layout.finish(`ePrescription ${p.id} for ${patientName} - Level 1 rendering by Passerelle, ${dateText(options.date.toISOString())} UTC`);
}
