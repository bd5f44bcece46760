// The national patient identifier the embedded store keys its records by, by configured country
// (PASSERELLE_COUNTRY, PASSERELLE_NATIONAL_PATIENT_ID_OID): in Luxembourg the matricule and its rules
// (matricule.ts: 13 digits, birth date, Luhn + Verhoeff); elsewhere an identifier under the configured
// OID with a generic format check only (each country's own check digits are its national system's
// business; the gateway refuses only what cannot be an identifier).
import type { Config } from "../config/schema";
import { ErrorCode, PasserelleError } from "../shared/errors";
import { MATRICULE_OID, assertMatricule, isValidMatricule } from "./matricule";

export interface NationalPatientIdRule {
  /** OID of the national patient identifier (Identifier.system in the canonical model). */
  readonly system: string;
  /** What it is called in messages: "matricule", "national patient identifier". */
  readonly name: string;
  /** The value when it passes the country's rules; INPUT_INVALID / MATRICULE_INVALID otherwise. */
  check(value: string, location?: string): string;
  /** Whether the value passes the country's rules (no error: for lookups that answer "unknown"). */
  isValid(value: string): boolean;
}

function validator(check: NationalPatientIdRule["check"]): NationalPatientIdRule["isValid"] {
  return (value) => {
    try {
      check(value);
      return true;
    } catch {
      return false;
    }
  };
}

/** Printable ASCII identifier, no spaces: letters, digits and . - _ / ; 1 to 64 characters. */
const GENERIC_ID = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/;

export const LUXEMBOURG_PATIENT_ID: NationalPatientIdRule = {
  system: MATRICULE_OID,
  name: "matricule",
  check: (value, location) => assertMatricule(value, location),
  isValid: (value) => isValidMatricule(value),
};

export function nationalPatientIdRule(country: string, oid: string): NationalPatientIdRule {
  if (country === "LU") return oid === MATRICULE_OID ? LUXEMBOURG_PATIENT_ID : { ...LUXEMBOURG_PATIENT_ID, system: oid };
  const check: NationalPatientIdRule["check"] = (value, location = "Patient.identifier") => {
    if (!GENERIC_ID.test(value)) {
      throw new PasserelleError(ErrorCode.InputInvalid, `national patient identifier (urn:oid:${oid}) must be 1 to 64 of A-Z a-z 0-9 . _ / -, starting with a letter or digit`, { location });
    }
    return value;
  };
  return { system: oid, name: "national patient identifier", check, isValid: validator(check) };
}

export function nationalPatientIdRuleOf(config: Config): NationalPatientIdRule {
  return nationalPatientIdRule(config.country, config.identifiers.nationalPatientIdOid);
}
