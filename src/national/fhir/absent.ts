// "No known X" / "no information about X" statements (IPS absent/unknown codes, REFERENCE.md) and
// Composition.section.emptyReason -> RequiredSection kinds `known-absent` / `no-information`.
import type { FhirCodeableConcept } from "./types";

export type RequiredKind = "allergies" | "medications" | "problems" | "procedures" | "devices";
export type AbsentStatement = "known-absent" | "no-information";

const IPS_ABSENT_SYSTEMS = [
  "http://hl7.org/fhir/uv/ips/CodeSystem/absent-unknown-uv-ips",
  "http://terminology.hl7.org/CodeSystem/absent-unknown-uv-ips",
];
const SNOMED = ["http://snomed.info/sct", "http://snomed.info/sct/"];

const IPS_CODES: Record<string, { kind: RequiredKind; statement: AbsentStatement }> = {
  "no-known-allergies": { kind: "allergies", statement: "known-absent" },
  "no-allergy-info": { kind: "allergies", statement: "no-information" },
  "no-known-medications": { kind: "medications", statement: "known-absent" },
  "no-medication-info": { kind: "medications", statement: "no-information" },
  "no-known-problems": { kind: "problems", statement: "known-absent" },
  "no-problem-info": { kind: "problems", statement: "no-information" },
  "no-known-procedures": { kind: "procedures", statement: "known-absent" },
  "no-procedure-info": { kind: "procedures", statement: "no-information" },
  "no-known-devices": { kind: "devices", statement: "known-absent" },
  "no-device-info": { kind: "devices", statement: "no-information" },
};

// SNOMED CT situations with the same meaning.
const SNOMED_CODES: Record<string, { kind: RequiredKind; statement: AbsentStatement }> = {
  "716186003": { kind: "allergies", statement: "known-absent" }, // No known allergy
  "409137002": { kind: "allergies", statement: "known-absent" }, // No known drug allergy
  "429625007": { kind: "allergies", statement: "known-absent" }, // No known food allergy
  "428607008": { kind: "allergies", statement: "known-absent" }, // No known environmental allergy
  "428197003": { kind: "allergies", statement: "known-absent" }, // No known insect allergy
  "160245001": { kind: "problems", statement: "known-absent" }, // No current problems or disability
  "182849000": { kind: "medications", statement: "known-absent" }, // No drug therapy prescribed
};

/** The absent/unknown statement a code carries, if any. */
export function absentStatement(cc: FhirCodeableConcept | undefined): { kind: RequiredKind; statement: AbsentStatement } | undefined {
  for (const c of cc?.coding ?? []) {
    if (c.system === undefined || c.code === undefined) continue;
    if (IPS_ABSENT_SYSTEMS.includes(c.system) && IPS_CODES[c.code]) return IPS_CODES[c.code];
    if (SNOMED.includes(c.system) && SNOMED_CODES[c.code]) return SNOMED_CODES[c.code];
  }
  return undefined;
}

/** list-empty-reason `nilknown` means known absent; every other reason means no information. */
export function emptyReasonStatement(cc: FhirCodeableConcept | undefined): AbsentStatement {
  const nil = (cc?.coding ?? []).some((c) => c.code === "nilknown");
  return nil ? "known-absent" : "no-information";
}
