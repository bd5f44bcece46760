// Demo consents for the embedded mode: every demo patient of the national store (src/national/demo/
// README.md) consents to both services towards every MyHealth@EU country, except one, left without
// any consent so that the country-A services can show a refusal (4701 / ERROR_*_NO_CONSENT). A gateway
// configured for another country with demo records (src/national/demo/BE/) grants its own patients'.
import type { ConsentRecord } from "./model";
import type { ConsentService } from "./service";

/** Demo patients with consent (matricules of src/national/demo/). */
export const DEMO_PATIENTS_WITH_CONSENT = [
  "1992031411227", // Sophie Weber
  "1975082223407", // Jean-Paul Muller
  "1948050305678", // Marguerite Hoffmann
  "2001091732174", // Luc Schmit
  "1968101545978", // Marie Kieffer
] as const;

/** Henri Wagner: has a Patient Summary and ePrescriptions, and no consent at all. */
export const DEMO_PATIENT_WITHOUT_CONSENT = "1937010112347";

/** Demo patients with consent by configured country (national ids of src/national/demo/<CC>/README.md). */
export const DEMO_PATIENTS_WITH_CONSENT_BY_COUNTRY: Readonly<Record<string, readonly string[]>> = {
  LU: DEMO_PATIENTS_WITH_CONSENT,
  BE: ["58021512345", "90110422216"], // Pieter Claes, Amélie Dubois
};

/** The demo patients a gateway of `country` grants consent for (none for a country without demo records). */
export function demoPatientsWithConsent(country: string): readonly string[] {
  return DEMO_PATIENTS_WITH_CONSENT_BY_COUNTRY[country] ?? [];
}

/**
 * Grants the demo consents. Idempotent (fixed request ids: a second run replays, writes nothing), so
 * it can run on every start. Returns the records, as recorded.
 */
export async function seedDemoConsents(service: ConsentService, patients: readonly string[] = DEMO_PATIENTS_WITH_CONSENT): Promise<ConsentRecord[]> {
  const out: ConsentRecord[] = [];
  for (const patient of patients) {
    const { record } = await service.record({
      patient,
      action: "grant",
      services: ["ep", "ps"],
      countries: "ALL",
      source: "national-record",
      recordedBy: "demo-seed",
      requestId: `demo-consent-${patient}`,
    }, { skipPatientCheck: true }); // the demo patients are seeded by the national module, maybe later
    out.push(record);
  }
  return out;
}
