// Our patients' identifiers as partners send them: the matricule under its national root
// (1.3.182.4.4) or under our eHDSI patient identification domain (pn-oid.xml), in HL7 II form
// (XCPD livingSubjectId root/extension) or CX form 'ID^^^&OID&ISO' (XCA, XDR, TRC subject).
import type { Identifier } from "../canonical/model";
import { formatCx, parseCx as parseCxStrict } from "../soap/cx";
import type { IdentifierDomains } from "./ports";

export interface PatientRef {
  /** The matricule: the key of consent and the national record. */
  readonly matricule: string;
  /** As the national record system names it. */
  readonly national: Identifier;
  /** CX form in our eHDSI domain, as we announce it to partners. */
  readonly cx: string;
}

/** CX parsed by the SOAP codec (soap/cx.ts), or undefined when it is not CX. */
export function parseCx(value: string): { id: string; root: string } | undefined {
  try {
    const cx = parseCxStrict(value.trim());
    return { id: cx.id, root: cx.oid };
  } catch {
    return undefined;
  }
}

export function toCx(id: string, root: string): string {
  return formatCx({ id, oid: root });
}

/** Is this identifier domain one of ours? */
export function isOurDomain(root: string, domains: IdentifierDomains): boolean {
  return root === domains.national || root === domains.ehdsi;
}

/** The patient an identifier of ours names, or undefined (not our domain, or not a valid matricule). */
export function patientRef(id: { root: string; extension: string }, domains: IdentifierDomains): PatientRef | undefined {
  if (!isOurDomain(id.root, domains) || !domains.isValidId(id.extension)) return undefined;
  return { matricule: id.extension, national: { system: domains.national, value: id.extension }, cx: toCx(id.extension, domains.ehdsi) };
}

export function patientRefOfCx(value: string, domains: IdentifierDomains): PatientRef | undefined {
  const cx = parseCx(value);
  return cx ? patientRef({ root: cx.root, extension: cx.id }, domains) : undefined;
}

/** Two CX ids name the same patient of ours (same matricule, whichever of our domains). */
export function samePatient(a: string, b: string, domains: IdentifierDomains): boolean {
  const x = patientRefOfCx(a, domains);
  const y = patientRefOfCx(b, domains);
  return x !== undefined && y !== undefined && x.matricule === y.matricule;
}
