// Human-readable text of canonical model values, for the CDA narrative blocks (L3) and the Level 1
// PDF renderings: pure functions, model value in, display string out ("" when there is nothing to
// show). Dates stay as written (partial ISO dates stay partial); decimals stay the strings they are.
import type { Address, Concept, ContactPoint, Dosage, HumanName, MedicinalProduct, ObservationValue, Period, Quantity, Ratio } from "./model";

/**
 * Which words of a concept come first: "text-first", the record's own words (its language) then the
 * code's display, as the CDA narratives show them; "display-first", the code's display then the
 * text, as the Level 1 PDFs show them. The bare code is the last resort of both.
 */
export type ConceptWording = "text-first" | "display-first";

export function conceptText(c: Concept | undefined, wording: ConceptWording = "text-first"): string {
  if (!c) return "";
  if (wording === "text-first") return c.text || c.coding?.display || c.coding?.code || "";
  return c.coding?.display ?? c.text ?? c.coding?.code ?? "";
}

/** "500 mg"; a dimensionless quantity (UCUM "1") as its number alone. */
export function quantityText(q: Quantity | undefined): string {
  if (!q) return "";
  return q.unit === "1" ? q.value : `${q.value} ${q.unit}`;
}

export interface RatioStyle {
  /** Between numerator and denominator (default "/"). */
  separator?: string;
  /** A denominator of 1 with a unit: "unit" shows the unit alone ("5 mg/mL", default), "quantity"
   *  the whole quantity ("5 mg/1 mL"). */
  unitDenominator?: "unit" | "quantity";
  /** Leave out a dimensionless denominator of 1 ("500 mg", default true). */
  omitDenominatorOne?: boolean;
}

export function ratioText(r: Ratio | undefined, style: RatioStyle = {}): string {
  if (!r) return "";
  const { separator = "/", unitDenominator = "unit", omitDenominatorOne = true } = style;
  const d = r.denominator;
  if (d.value === "1" && d.unit === "1" && omitDenominatorOne) return quantityText(r.numerator);
  const den = d.value === "1" && d.unit !== "1" && unitDenominator === "unit" ? d.unit : quantityText(d);
  return `${quantityText(r.numerator)}${separator}${den}`;
}

/** Strength of a product for a narrative: "500 mg", "100 [iU] / 1 mL", several joined by " + ". */
export function strengthText(product: MedicinalProduct): string {
  return product.ingredients
    .map((i) => ratioText(i.strength, { separator: " / ", unitDenominator: "quantity" }))
    .filter(Boolean)
    .join(" + ");
}

/** An observation value: quantity, concept, text, or a range "≥ low ≤ high" (either side may be absent). */
export function valueText(v: ObservationValue | undefined, wording: ConceptWording = "text-first"): string {
  if (!v) return "";
  switch (v.kind) {
    case "quantity":
      return quantityText(v.quantity);
    case "coded":
      return conceptText(v.concept, wording);
    case "text":
      return v.text;
    case "range":
      return [v.low ? `≥ ${quantityText(v.low)}` : "", v.high ? `≤ ${quantityText(v.high)}` : ""].filter(Boolean).join(" ");
  }
}

/** A name in reading order: prefixes, given names, family name, suffixes (or the name's own text). */
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

/** A period in English: "2020-01-02 to 2021-03-04", "from 2020-01-02", "until 2021-03-04". */
export function periodText(p: Period | undefined): string {
  if (!p || (!p.start && !p.end)) return "";
  if (p.start && p.end) return `${dateText(p.start)} to ${dateText(p.end)}`;
  return p.start ? `from ${dateText(p.start)}` : `until ${dateText(p.end)}`;
}

/** Dosages in English, each its own text or "dose, N time(s) every period, (events), route", joined by "; ". */
export function dosageText(d: Dosage[], wording: ConceptWording = "text-first"): string {
  return d
    .map((x) => {
      if (x.text) return x.text;
      const parts = [
        x.dose ? quantityText(x.dose) : "",
        x.frequency && x.period ? `${x.frequency} time(s) every ${quantityText(x.period)}` : x.period ? `every ${quantityText(x.period)}` : "",
        x.when?.length ? `(${x.when.join(", ")})` : "",
        x.route ? conceptText(x.route, wording) : "",
      ];
      return parts.filter(Boolean).join(" ");
    })
    .filter(Boolean)
    .join("; ");
}
