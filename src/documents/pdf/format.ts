// Plain-text forms of canonical model values for the Level 1 renderings: a code shows its display
// text (coding.display, else the concept's text, else the bare code), names and addresses in reading
// order, partial ISO dates kept as given.
import type { Address, Concept, ContactPoint, Dosage, HumanName, Identifier, Patient, Period, Quantity, Ratio } from "../../canonical/model";

export function conceptText(c: Concept | undefined): string {
  if (!c) return "";
  return c.coding?.display ?? c.text ?? c.coding?.code ?? "";
}

export function nameText(n: HumanName | undefined): string {
  if (!n) return "";
  if (n.text) return n.text;
  return [...(n.prefix ?? []), ...n.given, n.family, ...(n.suffix ?? [])].filter(Boolean).join(" ");
}

export function addressText(a: Address): string {
  return [...a.lines, [a.postalCode, a.city].filter(Boolean).join(" "), a.state, a.country].filter(Boolean).join(", ");
}

export function telecomText(t: ContactPoint[]): string {
  return t.map((c) => `${c.system}: ${c.value}`).join("; ");
}

/** ISO date or date-time as written (partial dates stay partial); the time part shortened to minutes. */
export function dateText(iso: string | undefined): string {
  if (!iso) return "";
  const m = /^(\d{4}(?:-\d{2}(?:-\d{2})?)?)(?:T(\d{2}:\d{2}))?/.exec(iso);
  if (!m) return iso;
  return m[2] ? `${m[1]} ${m[2]}` : (m[1] as string);
}

export function periodText(p: Period | undefined): string {
  if (!p || (!p.start && !p.end)) return "";
  if (p.start && p.end) return `${dateText(p.start)} to ${dateText(p.end)}`;
  return p.start ? `from ${dateText(p.start)}` : `until ${dateText(p.end)}`;
}

export function quantityText(q: Quantity | undefined): string {
  if (!q) return "";
  return q.unit === "1" ? q.value : `${q.value} ${q.unit}`;
}

export function ratioText(r: Ratio | undefined): string {
  if (!r) return "";
  const den = r.denominator.value === "1" ? (r.denominator.unit === "1" ? "" : r.denominator.unit) : quantityText(r.denominator);
  return den ? `${quantityText(r.numerator)}/${den}` : quantityText(r.numerator);
}

export function dosageText(d: Dosage[]): string {
  return d
    .map((x) => {
      if (x.text) return x.text;
      const parts = [
        x.dose ? quantityText(x.dose) : "",
        x.frequency && x.period ? `${x.frequency} time(s) every ${quantityText(x.period)}` : x.period ? `every ${quantityText(x.period)}` : "",
        x.when?.length ? `(${x.when.join(", ")})` : "",
        x.route ? conceptText(x.route) : "",
      ];
      return parts.filter(Boolean).join(" ");
    })
    .filter(Boolean)
    .join("; ");
}

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
      [nameText(c.name), conceptText(c.relationship ? { coding: c.relationship } : undefined), telecomText(c.telecom ?? [])].filter(Boolean).join(", "),
    ]),
  ];
}
