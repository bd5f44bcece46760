// Shared machinery of the PS section builders: the build context (document context, narrative id
// allocation), the section wrapper (templateId 1.3.6.1.4.1.12559.11.10.1.3.1.2.N, LOINC code,
// title, narrative, entries), transcoding and observation values. Narrative tables and the IDs
// entries reference are in ../narrative.ts.
import type { Concept, ObservationValue } from "../../../canonical/model";
import { el, type XChild, type XElement } from "../../../shared/xml";
import { binding } from "../../../terminology/bindings";
import { CodeSystems } from "../../../terminology/code-systems";
import type { PivotCoded } from "../../../terminology/types";
import { transcode } from "../../../terminology/transcode";
import type { DocumentContext } from "../../context";
import { codedIf, ii, pq, sourceCoded } from "../datatypes";
import { entryId } from "../ids";
import { labelsFor, type Labels } from "./labels";

/** Per-document state: narrative IDs are unique in the whole document (xs:ID). */
export class PsBuild {
  private counters = new Map<string, number>();
  /** Fixed narrative words in the document's language. */
  readonly labels: Labels;
  constructor(readonly ctx: DocumentContext, language = "en") {
    this.labels = labelsFor(language);
  }

  /** Human-readable period: "since 2020-01-02", "2020-01-02 – 2021-03-04", in the document's language. */
  period(start?: string, end?: string): string {
    if (start && end) return `${start} – ${end}`;
    if (start) return this.labels.since(start);
    if (end) return this.labels.until(end);
    return "";
  }

  /** A fresh narrative ID, e.g. "allergy-3" (an NCName: starts with a letter). */
  nextId(prefix: string): string {
    const n = (this.counters.get(prefix) ?? 0) + 1;
    this.counters.set(prefix, n);
    return `${prefix}-${n}`;
  }

  /** Transcode a concept for its PS binding (throws ERROR_PS_MISSING_EXPECTED_MAPPING when the
   *  usage requires a code and none maps). */
  pivot(concept: Concept | undefined, element: string): PivotCoded | undefined {
    return transcode(this.ctx.terminology, concept, binding(element, "ps"), "ps");
  }

  /** A coded element transcoded for its binding, its originalText pointing at the narrative. */
  coded(name: string, concept: Concept | undefined, element: string, ref?: string, xsiType?: "CD" | "CE"): XElement | undefined {
    return codedIf(name, this.pivot(concept, element), { ref, xsiType });
  }

  /** An observation's `code` (XSD: 1..1): transcoded, or nullFlavor NI when the binding's usage
   *  lets the element be left out (O, no value). */
  obsCode(concept: Concept | undefined, element: string, ref?: string): XElement {
    return this.coded("code", concept, element, ref) ?? el("code", { nullFlavor: "NI" });
  }

  entryId(localId: string): XElement {
    return ii(entryId(this.ctx, "ps", localId));
  }
}

export interface SectionSpec {
  /** N of the section templateId 1.3.6.1.4.1.12559.11.10.1.3.1.2.N */
  template: number;
  /** Further templateIds the Wave 8 samples carry (CCD / IHE parents). */
  parents?: string[];
  code: string;
  display: string;
  /** Which title (labels.ts) the section has. */
  key: keyof Labels["titles"];
}

export const SECTION_TEMPLATE = (n: number): string => `1.3.6.1.4.1.12559.11.10.1.3.1.2.${n}`;
export const ENTRY_TEMPLATE = (n: number): string => `1.3.6.1.4.1.12559.11.10.1.3.1.3.${n}`;

/** `component/section` with templateIds, LOINC code (section.code binding), title, narrative, entries. */
export function section(b: PsBuild, spec: SectionSpec, text: XChild[], entries: XElement[]): XElement {
  const code = b.coded("code", { coding: { code: spec.code, system: CodeSystems.loinc.oid, display: spec.display } }, "section.code");
  return el(
    "component",
    {},
    el(
      "section",
      {},
      el("templateId", { root: SECTION_TEMPLATE(spec.template) }),
      (spec.parents ?? []).map((root) => el("templateId", { root })),
      code,
      el("title", {}, b.labels.titles[spec.key]),
      el("text", {}, text),
      entries.map((e) => el("entry", {}, e)),
    ),
  );
}

/**
 * A coded observation that qualifies its entry: entryRelationship / observation EVN with its
 * templateIds, code, statusCode completed and value (eHDSI problem status …3.9, health status …3.10,
 * allergy criticality/status/certainty …3.33–3.35, immunization dose number …3.28; IHE PCC
 * severity 1.3.6.1.4.1.19376.1.5.3.1.4.1).
 */
export function relatedObservation(r: { typeCode: "SUBJ" | "REFR"; inversionInd?: boolean; templates: string[]; code: XElement; value: XElement | undefined }): XElement {
  return el(
    "entryRelationship",
    { typeCode: r.typeCode, inversionInd: r.inversionInd ? "true" : undefined },
    el(
      "observation",
      { classCode: "OBS", moodCode: "EVN" },
      r.templates.map((root) => el("templateId", { root })),
      r.code,
      el("statusCode", { code: "completed" }),
      r.value,
    ),
  );
}

// ---- observation values -------------------------------------------------------------------------------

/**
 * `value` of an observation by its kind: PQ, CD (transcoded when `element` names a binding,
 * otherwise the source code as is), ST, IVL_PQ.
 */
export function observationValue(b: PsBuild, v: ObservationValue, element?: string, ref?: string): XElement | undefined {
  switch (v.kind) {
    case "quantity":
      return pq("value", v.quantity, { xsiType: true });
    case "coded":
      return element ? b.coded("value", v.concept, element, ref, "CD") : sourceCoded("value", v.concept, { xsiType: "CD", ref });
    case "text":
      return el("value", { "xsi:type": "ST" }, v.text);
    case "range":
      return el("value", { "xsi:type": "IVL_PQ" }, v.low ? pq("low", v.low) : undefined, v.high ? pq("high", v.high) : undefined);
  }
}

// ---- "no information" / "known absent" ---------------------------------------------------------------

/** IPS absent/unknown codes (2.16.840.1.113883.5.1150.1) for the five required sections. */
const ABSENT_CODES = {
  allergies: { "no-information": ["no-allergy-info", "No information about allergies"], "known-absent": ["no-known-allergies", "No known allergies"] },
  medications: { "no-information": ["no-medication-info", "No information about medications"], "known-absent": ["no-known-medications", "No known medications"] },
  problems: { "no-information": ["no-problem-info", "No information about problems"], "known-absent": ["no-known-problems", "No known problems"] },
  procedures: { "no-information": ["no-procedure-info", "No information about past history of procedures"], "known-absent": ["no-known-procedures", "No known procedures"] },
  devices: { "no-information": ["no-device-info", "No information about medical devices"], "known-absent": ["no-known-devices", "No known devices in use"] },
} as const;

export type RequiredSectionName = keyof typeof ABSENT_CODES;
export type AbsentKind = "no-information" | "known-absent";

/** The absent/unknown concept a required section states when it has no entries. */
export function absentConcept(sectionName: RequiredSectionName, kind: AbsentKind): Concept & { coding: { display: string } } {
  const [code, display] = ABSENT_CODES[sectionName][kind];
  return { coding: { code, system: CodeSystems.absentUnknown.oid, systemName: CodeSystems.absentUnknown.name, display } };
}

/** Narrative of an absent/unknown statement: one paragraph the entry's text references. */
export function absentNarrative(id: string, text: string): XElement {
  return el("paragraph", { ID: id }, text);
}
