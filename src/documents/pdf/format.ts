// The patient block of the Level 1 renderings (PS and eP PDFs): labelled fields in reading order,
// texts from canonical/text.ts with codes shown by their display first.
import type { Identifier, Patient } from "../../canonical/model";
import { addressText, conceptText, dateText, nameText, telecomText } from "../../canonical/text";

const GENDER_TEXT: Record<Patient["gender"], string> = { male: "Male", female: "Female", other: "Other", unknown: "Unknown" };

/** The patient block shared by the PS and eP renderings. */
export function patientFields(p: Patient): [string, string | undefined][] {
  return [
    ["Name", p.names.map(nameText).filter(Boolean).join(" / ")],
    ["Date of birth", dateText(p.birthDate)],
    ["Gender", GENDER_TEXT[p.gender]],
    ["Identifiers", p.ids.map((i: Identifier) => i.value).join(", ")],
    ["Address", p.addresses.map(addressText).join(" / ")],
    ["Contact", telecomText(p.telecom)],
    ["Languages", p.languages.join(", ")],
    ...p.contacts.map((c): [string, string | undefined] => [
      c.guardian ? "Guardian" : "Contact person",
      [nameText(c.name), conceptText(c.relationship ? { coding: c.relationship } : undefined, "display-first"), telecomText(c.telecom ?? [])].filter(Boolean).join(", "),
    ]),
  ];
}
