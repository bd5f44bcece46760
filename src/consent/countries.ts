// MyHealth@EU countries a cross-border consent may name (ISO 3166-1 alpha-2, upper case).
// The list is the countries of the eHDSI network's patient-identifier domain table (pn-oid.xml):
// the 27 EU Member States plus the EEA states Iceland and Norway. Greece is GR (ISO), not EL.
// A grant "to every MyHealth@EU country" is stored as ALL_COUNTRIES and covers this list as it
// stands when a decision is taken.
export const MYHEALTH_EU_COUNTRIES = [
  "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
  "IS", "IT", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK",
] as const;

export type CountryCode = (typeof MYHEALTH_EU_COUNTRIES)[number];

const KNOWN: ReadonlySet<string> = new Set(MYHEALTH_EU_COUNTRIES);

export function isMyHealthEuCountry(code: string): code is CountryCode {
  return KNOWN.has(code);
}
