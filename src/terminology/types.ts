// Terminology contracts shared by the catalogue, the transcoder and the document builders.
import type { Coded } from "../canonical/model";

/** Usage of a coded element in a document (eHDSI coded element list): Required, Required but
 *  nullFlavor allowed, Optional, Not applicable. */
export type Usage = "R" | "RNFA" | "O" | "NA";

export type DocumentKind = "ps" | "ep" | "ed";

/** A coded element's binding: the MVC value set it must be drawn from, and its usage. */
export interface Binding {
  /** Stable name of the element in our binding table, e.g. "allergy.agent". */
  element: string;
  /** OID of the MVC value set (1.3.6.1.4.1.12559.11.10.1.3.1.42.N). */
  valueSet: string;
  usage: Usage;
  /** Further MVC value sets the element may also be drawn from (e.g. a problem: eHDSIIllnessandDisorder,
   *  or eHDSIRareDisease, or an absent/unknown code). Optional; the primary is `valueSet`. */
  alsoValueSets?: readonly string[];
}

/** An MVC concept with its English display name (the pivot display). */
export interface MvcConcept {
  code: string;
  system: string; // OID
  systemName: string;
  display: string;
}

/** The pivot form of a coded element: the MVC code, the source code kept as <translation>. */
export type PivotCoded =
  | { kind: "code"; code: MvcConcept; translation?: Coded; originalText?: string }
  | { kind: "null"; nullFlavor: "NI" | "UNK" | "OTH" | "NA" | "ASKU"; translation?: Coded; originalText?: string };

export interface Terminology {
  /** The MVC concept for a source code in the value set, or undefined when there is no mapping. */
  toMvc(source: Coded, valueSet: string): MvcConcept | undefined;
  /** Is (system OID, code) a member of the value set? */
  inValueSet(valueSet: string, system: string, code: string): boolean;
  /** Display name of a code in a language (en, fr, de; BCP 47 prefixes accepted). */
  designation(system: string, code: string, language: string): string | undefined;
  /** Value sets this catalogue knows (OIDs). */
  valueSets(): string[];
}
