// What one CDA entry says, for a table row of the clinician rendering: the item (medicinal product,
// agent, problem, procedure, device, observation), its other coded values shown by their display
// names, its period, its status. Works on the eHDSI PS and eP entry templates alike (REFERENCE.md
// "PS sections", "eP") without knowing each one: a concern act (allergies, problems) is unwrapped to
// its observations, and the IPS absent/unknown codes (2.16.840.1.113883.5.1150.1) become statements.
import type { Element } from "@xmldom/xmldom";
import { ErrorCode } from "../../shared/errors";
import { all, attr, first, text, tsToIso } from "../cda/cda-reader";
import { dateText } from "../../canonical/text";

/** IPS absent-or-unknown code system (REFERENCE.md: no-known-allergies, no-allergy-info, ...). */
export const ABSENT_UNKNOWN_SYSTEM = "2.16.840.1.113883.5.1150.1";

export interface CodedText {
  /** The display name (translated when the document is), else the original text, else the code. */
  readonly display: string;
  readonly code: string | undefined;
  readonly codeSystemName: string | undefined;
}

export type StatementRow =
  | { readonly kind: "row"; readonly item: CodedText[]; readonly details: string[]; readonly period: { low?: string; high?: string; at?: string }; readonly status: string | undefined }
  | { readonly kind: "statement"; readonly text: string };

const children = (e: Element): Element[] => Array.from(e.childNodes).filter((c): c is Element => c.nodeType === 1);
const CLINICAL = new Set(["observation", "act", "substanceAdministration", "supply", "procedure", "encounter", "organizer", "observationMedia", "regionOfInterest"]);

/** Resolves narrative references (`<reference value="#id">`) of the section to their text. */
export type NarrativeLookup = (id: string) => string | undefined;

export function codedText(e: Element | undefined): CodedText | undefined {
  if (!e) return undefined;
  const code = attr(e, "code");
  const original = text(first(e, "hl7:originalText"));
  const translation = first(e, "hl7:translation[@displayName]");
  const display = attr(e, "displayName") ?? original ?? (translation ? attr(translation, "displayName") : undefined) ?? code;
  if (!display) return undefined;
  return { display, code, codeSystemName: attr(e, "codeSystemName") ?? attr(e, "codeSystem") };
}

function tsText(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    return dateText(tsToIso(value, ErrorCode.DocumentInvalid, "effectiveTime"));
  } catch {
    return value;
  }
}

function periodOf(s: Element): { low?: string; high?: string; at?: string } {
  const t = first(s, "hl7:effectiveTime[not(@nullFlavor)]");
  if (!t) return {};
  const at = tsText(attr(t, "value"));
  const low = tsText(attr(first(t, "hl7:low") as Element | undefined, "value"));
  const high = tsText(attr(first(t, "hl7:high") as Element | undefined, "value"));
  return { ...(at ? { at } : {}), ...(low ? { low } : {}), ...(high ? { high } : {}) };
}

function quantity(e: Element | undefined): string | undefined {
  if (!e || attr(e, "nullFlavor")) return undefined;
  const value = attr(e, "value");
  if (!value) return undefined;
  const unit = attr(e, "unit");
  return unit && unit !== "1" ? `${value} ${unit}` : value;
}

function valueText(v: Element): string | undefined {
  const q = quantity(v);
  if (q) return q;
  const c = codedText(v);
  if (c && attr(v, "code")) return c.display;
  return text(v);
}

/** The thing an entry is about: product, device, agent, observed value or act code. */
function itemOf(s: Element): CodedText[] {
  const material = first(s, "hl7:consumable/hl7:manufacturedProduct/hl7:manufacturedMaterial");
  if (material) {
    const name = text(first(material, "hl7:name"));
    const code = codedText(first(material, "hl7:code[not(@nullFlavor)]"));
    const out: CodedText[] = [];
    if (name) out.push({ display: name, code: undefined, codeSystemName: undefined });
    if (code && code.display !== name) out.push(code);
    for (const generic of all(material, "pharm:asSpecializedKind/pharm:generalizedMaterialKind/pharm:code")) {
      const g = codedText(generic);
      if (g) out.push(g);
    }
    return out;
  }
  const device = codedText(first(s, "hl7:participant/hl7:participantRole/hl7:playingDevice/hl7:code"));
  if (device) return [device];
  const agent = codedText(first(s, "hl7:participant[@typeCode='CSM']/hl7:participantRole/hl7:playingEntity/hl7:code"));
  const value = first(s, "hl7:value[@code]");
  const valueCoded = codedText(value);
  if (agent) return valueCoded ? [agent, valueCoded] : [agent];
  if (valueCoded) return [valueCoded];
  const code = codedText(first(s, "hl7:code"));
  return code ? [code] : [];
}

function detailsOf(s: Element, lookup: NarrativeLookup): string[] {
  const out: string[] = [];
  const push = (v: string | undefined) => {
    if (v && !out.includes(v)) out.push(v);
  };
  // A measured value (results, vital signs) belongs beside its code.
  const plainValue = first(s, "hl7:value[not(@code)]");
  if (plainValue) push(valueText(plainValue));
  for (const path of ["hl7:consumable/hl7:manufacturedProduct/hl7:manufacturedMaterial/pharm:formCode", "hl7:routeCode", "hl7:approachSiteCode", "hl7:targetSiteCode", "hl7:interpretationCode"]) {
    push(codedText(first(s, path))?.display);
  }
  for (const ingredient of all(s, "hl7:consumable/hl7:manufacturedProduct/hl7:manufacturedMaterial/pharm:ingredient")) {
    const substance = codedText(first(ingredient, "pharm:ingredientSubstance/pharm:code"))?.display ?? text(first(ingredient, "pharm:ingredientSubstance/pharm:name"));
    const strength = quantity(first(ingredient, "pharm:quantity/hl7:numerator"));
    const per = quantity(first(ingredient, "pharm:quantity/hl7:denominator"));
    if (substance) push([substance, strength ? `${strength}${per && per !== "1" ? `/${per}` : ""}` : undefined].filter(Boolean).join(" "));
  }
  const dose = quantity(first(s, "hl7:doseQuantity")) ?? quantity(first(s, "hl7:doseQuantity/hl7:low"));
  if (dose) push(dose);
  const packs = quantity(first(s, "hl7:entryRelationship/hl7:supply/hl7:quantity"));
  if (packs) push(`× ${packs}`);
  // Nested observations and acts: reactions, severity, criticality, certainty, substitution, instructions.
  for (const nested of all(s, "hl7:entryRelationship/*")) {
    if (nested.localName === "supply") continue;
    const v = first(nested, "hl7:value");
    if (v) push(valueText(v));
    const ref = attr(first(nested, "hl7:text/hl7:reference"), "value");
    if (ref?.startsWith("#")) push(lookup(ref.slice(1)));
  }
  return out;
}

function absentStatement(s: Element): string | undefined {
  const absent = all(s, `.//*[@codeSystem='${ABSENT_UNKNOWN_SYSTEM}']`)[0] ?? (attr(s, "codeSystem") === ABSENT_UNKNOWN_SYSTEM ? s : undefined);
  return absent ? codedText(absent)?.display : undefined;
}

/** The clinical statements of an entry: a concern act stands for the observations it wraps. */
function statementsOf(entry: Element): Element[] {
  const top = children(entry).filter((c) => CLINICAL.has(c.localName ?? ""));
  return top.flatMap((s) => {
    if (s.localName === "act" && attr(first(s, "hl7:code"), "code") === "CONC") {
      const inner = all(s, "hl7:entryRelationship/hl7:observation");
      return inner.length > 0 ? inner : [s];
    }
    return [s];
  });
}

/** Rows for one CDA section's entries, in document order. */
export function rowsOfSection(section: Element, lookup: NarrativeLookup): StatementRow[] {
  const rows: StatementRow[] = [];
  for (const entry of all(section, "hl7:entry")) {
    for (const s of statementsOf(entry)) {
      const absent = absentStatement(s);
      if (absent) {
        rows.push({ kind: "statement", text: absent });
        continue;
      }
      const item = itemOf(s);
      rows.push({ kind: "row", item, details: detailsOf(s, lookup), period: periodOf(s), status: attr(first(s, "hl7:statusCode"), "code") });
    }
  }
  return rows;
}
