// Seeds the embedded national store with the demo patients of the configured country: Luxembourg's
// in src/national/demo/*.json (README there), another country's in src/national/demo/<CC>/ (none: no
// demo patients). Idempotent: importing the same bundles again replaces them and keeps the dispensing state.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseBundleJson } from "./fhir/bundle";
import type { EmbeddedNationalStore, ImportResult } from "./embedded-store";

export const DEMO_BUNDLE_DIR = fileURLToPath(new URL("./demo/", import.meta.url));

/** The demo bundles of a country (LU: the top directory), undefined when it has none. */
export function demoBundleDirOf(country: string): string | undefined {
  if (country === "LU") return DEMO_BUNDLE_DIR;
  const dir = `${DEMO_BUNDLE_DIR}${country}/`;
  return /^[A-Z]{2}$/.test(country) && existsSync(dir) ? dir : undefined;
}

/** Demo bundle files: `*-ps.json` Patient Summaries first, then `*-ep.json` ePrescriptions. */
export function demoBundleFiles(dir: string = DEMO_BUNDLE_DIR): { file: string; type: "ps" | "ep" }[] {
  const files = readdirSync(dir).sort();
  return [
    ...files.filter((f) => f.endsWith("-ps.json")).map((file) => ({ file, type: "ps" as const })),
    ...files.filter((f) => f.endsWith("-ep.json")).map((file) => ({ file, type: "ep" as const })),
  ];
}

export async function seedDemo(store: EmbeddedNationalStore, dir: string = DEMO_BUNDLE_DIR): Promise<ImportResult[]> {
  const results: ImportResult[] = [];
  for (const { file, type } of demoBundleFiles(dir)) {
    results.push(await store.importBundle(parseBundleJson(readFileSync(`${dir}${file}`)), type));
  }
  return results;
}

/**
 * Gateway configuration matching the demo bundles of a country other than Luxembourg (whose values
 * are the configuration defaults). BE: the patient id domain is BE's in the eHDSI pn-oid.xml; the
 * other OIDs are demo values under it (src/national/demo/BE/README.md).
 */
export const DEMO_COUNTRY_ENV: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  BE: {
    PASSERELLE_COUNTRY: "BE",
    PASSERELLE_NATIONAL_PATIENT_ID_OID: "1.3.6.1.4.1.48336.1",
    PASSERELLE_EHDSI_PATIENT_ID_DOMAIN: "1.3.6.1.4.1.48336",
    PASSERELLE_HOME_COMMUNITY_ID: "urn:oid:1.3.6.1.4.1.48336.100",
    PASSERELLE_DOCUMENT_ID_ROOT: "1.3.6.1.4.1.48336.100.7",
    PASSERELLE_CUSTODIAN_OID: "1.3.6.1.4.1.48336.100.2",
    PASSERELLE_CUSTODIAN_NAME: "NCPeH Belgium (demo)",
    PASSERELLE_CUSTODIAN_CITY: "Brussels",
  },
};
