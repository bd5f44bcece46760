// The Luxembourg national identification number ("matricule"), patient identifier of the national
// record (OID 1.3.182.4.4). 13 digits: birth date YYYYMMDD, a 3-digit serial, then a Luhn check digit
// and a Verhoeff check digit, both computed over the first 11 digits (Règlement grand-ducal du
// 21 décembre 2013, identification des personnes physiques).
import { ErrorCode, PasserelleError } from "../shared/errors";

export const MATRICULE_OID = "1.3.182.4.4";
export const MATRICULE_SYSTEM = `urn:oid:${MATRICULE_OID}`;

export type MatriculeProblem = "length" | "non-digit" | "date" | "luhn" | "verhoeff";

/** Luhn check digit for a string of digits (the digit to append). */
export function luhnCheckDigit(digits: string): number {
  let sum = 0;
  // The rightmost payload digit is doubled, since the check digit will take the rightmost place.
  for (let i = digits.length - 1, double = true; i >= 0; i--, double = !double) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

// Verhoeff tables: dihedral group D5 multiplication, position permutation, inverse.
const VERHOEFF_D = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const VERHOEFF_P = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
  [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
  [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
  [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];
const VERHOEFF_INV = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9];

/** Verhoeff check digit for a string of digits (the digit to append). */
export function verhoeffCheckDigit(digits: string): number {
  let c = 0;
  for (let i = 0; i < digits.length; i++) {
    const d = digits.charCodeAt(digits.length - 1 - i) - 48;
    c = VERHOEFF_D[c]![VERHOEFF_P[(i + 1) % 8]![d]!]!;
  }
  return VERHOEFF_INV[c]!;
}

function isCalendarDate(yyyymmdd: string): boolean {
  const y = Number(yyyymmdd.slice(0, 4));
  const m = Number(yyyymmdd.slice(4, 6));
  const d = Number(yyyymmdd.slice(6, 8));
  if (m < 1 || m > 12 || d < 1) return false;
  const daysInMonth = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return d <= daysInMonth;
}

/** What is wrong with a candidate matricule, or undefined when it is valid. */
export function matriculeProblem(value: string): { problem: MatriculeProblem; message: string } | undefined {
  if (value.length !== 13) return { problem: "length", message: `a matricule has 13 digits, got ${value.length} characters` };
  const bad = value.search(/[^0-9]/);
  if (bad >= 0) return { problem: "non-digit", message: `a matricule has only digits; character ${bad + 1} is not a digit` };
  if (!isCalendarDate(value.slice(0, 8))) {
    return { problem: "date", message: `the first 8 digits (${value.slice(0, 8)}) are not a calendar date YYYYMMDD` };
  }
  const payload = value.slice(0, 11);
  const luhn = luhnCheckDigit(payload);
  if (Number(value[11]) !== luhn) return { problem: "luhn", message: `Luhn check digit (12th) is ${value[11]}, expected ${luhn}` };
  const verhoeff = verhoeffCheckDigit(payload);
  if (Number(value[12]) !== verhoeff) {
    return { problem: "verhoeff", message: `Verhoeff check digit (13th) is ${value[12]}, expected ${verhoeff}` };
  }
  return undefined;
}

export function isValidMatricule(value: string): boolean {
  return matriculeProblem(value) === undefined;
}

/** Throws MATRICULE_INVALID with the precise reason (details.problem) unless the value is valid. */
export function assertMatricule(value: string, location?: string): string {
  const problem = matriculeProblem(value);
  if (problem) {
    throw new PasserelleError(ErrorCode.MatriculeInvalid, `invalid matricule: ${problem.message}`, {
      problem: problem.problem,
      ...(location ? { location } : {}),
    });
  }
  return value;
}

/** Builds a valid matricule from a birth date (YYYYMMDD) and a 3-digit serial (tests, demo data). */
export function makeMatricule(birthDate: string, serial: number): string {
  const payload = `${birthDate}${String(serial).padStart(3, "0")}`;
  if (!/^[0-9]{11}$/.test(payload) || !isCalendarDate(birthDate)) {
    throw new PasserelleError(ErrorCode.InputInvalid, `cannot make a matricule from ${birthDate}/${serial}`);
  }
  return `${payload}${luhnCheckDigit(payload)}${verhoeffCheckDigit(payload)}`;
}
