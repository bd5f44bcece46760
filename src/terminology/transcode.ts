// Transcoding a source code to the pivot (MVC) form of a coded element, by the element's usage in
// the eHDSI coded element list (bindings.ts):
//   in the value set          -> the MVC code with its English MVC display; the source code kept as
//                                <translation> only when it differs (other system or code);
//   mapped (catalogue)        -> the MVC code, the source code as <translation>;
//   no mapping, usage R       -> ERROR_{PS,EP,ED}_MISSING_EXPECTED_MAPPING (REFERENCE.md 4203: the
//                                document is withheld), naming the element and the code;
//   no mapping, usage RNFA/O  -> nullFlavor OTH (a code exists outside the value set), the source
//                                kept as <translation> and its text as originalText;
//   no value, RNFA            -> nullFlavor NI;  no value, O -> undefined (the element is omitted);
//   text only, RNFA/O         -> nullFlavor OTH with the text as originalText;
//   usage NA                  -> undefined (the element is not emitted in that document).
// Choice for O: a code outside the value set is kept as nullFlavor OTH + translation rather than
// dropped, so the reader abroad still sees what the record said.
import type { Coded, Concept } from "../canonical/model";
import { ErrorCode, PasserelleError } from "../shared/errors";
import { bindingValueSets } from "./bindings";
import { codeSystemName } from "./code-systems";
import type { Binding, DocumentKind, PivotCoded, Terminology } from "./types";

const MISSING_MAPPING: Record<DocumentKind, ErrorCode> = {
  ps: ErrorCode.PsMissingMapping,
  ep: ErrorCode.EpMissingMapping,
  ed: ErrorCode.EdMissingMapping,
};

function withSystemName(c: Coded): Coded {
  if (c.systemName) return c;
  const name = codeSystemName(c.system);
  return name ? { ...c, systemName: name } : c;
}

function describe(c: Coded): string {
  const name = c.systemName ?? codeSystemName(c.system);
  return `${c.code} (${name ? `${name} ` : ""}${c.system})`;
}

function missing(binding: Binding, doc: DocumentKind, what: string, coding?: Coded): PasserelleError {
  return new PasserelleError(MISSING_MAPPING[doc], `Required coded element ${binding.element}: ${what}`, {
    location: binding.element,
    element: binding.element,
    valueSets: bindingValueSets(binding),
    ...(coding ? { code: coding.code, system: coding.system } : {}),
  });
}

/** The pivot form of `concept` for the element `binding` in a document of kind `doc`. */
export function transcode(terminology: Terminology, concept: Concept | undefined, binding: Binding, doc: DocumentKind): PivotCoded | undefined {
  if (binding.usage === "NA") return undefined;
  const coding = concept?.coding;
  const text = concept?.text?.trim() || undefined;

  if (!coding) {
    if (binding.usage === "R") throw missing(binding, doc, text ? `only text ("${text}"), no code to map` : "no value");
    if (text) return { kind: "null", nullFlavor: "OTH", originalText: text };
    return binding.usage === "RNFA" ? { kind: "null", nullFlavor: "NI" } : undefined;
  }

  for (const valueSet of bindingValueSets(binding)) {
    const mvc = terminology.toMvc(coding, valueSet);
    if (!mvc) continue;
    const same = mvc.system === coding.system && mvc.code === coding.code;
    const out: PivotCoded = { kind: "code", code: mvc };
    if (!same) out.translation = withSystemName(coding);
    if (text && text !== mvc.display) out.originalText = text;
    return out;
  }

  if (binding.usage === "R") {
    throw missing(binding, doc, `code ${describe(coding)} is not in MVC value set ${bindingValueSets(binding).join(" or ")} and has no mapping`, coding);
  }
  const originalText = text ?? coding.display;
  return { kind: "null", nullFlavor: "OTH", translation: withSystemName(coding), ...(originalText ? { originalText } : {}) };
}
