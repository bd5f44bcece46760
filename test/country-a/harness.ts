// Country-A use cases over real parts: a fresh SQLite database with every migration, the embedded
// national store seeded with the demo patients, the consent service with the demo consents, the
// document pipeline sealing with a throw-away key, the hash-chained audit trail. What a test needs to
// observe is counted at the port (national calls, deliveries enqueued).
import { LUXEMBOURG_PATIENT_ID } from "../../src/national/patient-id";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { documentContextFromConfig, terminologyFromConfig } from "../../src/app/documents";
import { consentAuditSinkFor } from "../../src/audit/consent-sink";
import { AuditTrail } from "../../src/audit/trail";
import type { Dispensation, Identifier } from "../../src/canonical/model";
import { loadConfig } from "../../src/config/load";
import { seedDemoConsents } from "../../src/consent/demo";
import { ConsentRepository } from "../../src/consent/repository";
import { ConsentService } from "../../src/consent/service";
import { auditTrailPort } from "../../src/country-a/adapters";
import { DispensationStore } from "../../src/country-a/dispensation-store";
import { DocumentSource } from "../../src/country-a/document-source";
import type { CountryAPorts, DeliveryQueue, Requester } from "../../src/country-a/ports";
import { loadCdaSchema } from "../../src/documents/cda/schema";
import { seedDemo } from "../../src/national/demo";
import { EmbeddedNationalStore } from "../../src/national/embedded-store";
import type { NationalRecords } from "../../src/national/port";
import type { ValidatedAssertions } from "../../src/saml/validate";
import { signingKeyFromPem } from "../../src/signing/keys";
import { openDatabase, type Database } from "../../src/storage/database";
import { ALL_MIGRATIONS } from "../../src/storage/migration-registry";
import { runMigrations } from "../../src/storage/migrations";
import { EHDSI_DIR } from "../helpers/ehdsi";
import { makeCert } from "../trust/pki";

export const DOMAINS = { national: "1.3.182.4.4", ehdsi: "1.3.182.2.12.10000734.6.1", isValidId: LUXEMBOURG_PATIENT_ID.isValid } as const;

const NATIONAL_METHODS = ["findPatient", "getPatientSummary", "listPrescriptions", "getPrescription", "recordDispensation", "discardDispensation"];

/** Counts every call the use cases make to the national adapter, per method. */
export function countingNational(inner: NationalRecords): NationalRecords & { calls: Map<string, number>; total(): number } {
  const calls = new Map<string, number>();
  const counted = new Proxy(inner, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== "function" || !NATIONAL_METHODS.includes(String(prop))) return v;
      return (...args: unknown[]) => {
        calls.set(String(prop), (calls.get(String(prop)) ?? 0) + 1);
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as NationalRecords & { calls: Map<string, number>; total(): number };
  return Object.assign(counted, { calls, total: () => [...calls.values()].reduce((a, b) => a + b, 0) });
}

export interface Enqueued {
  documentUniqueId: string;
  patient: Identifier;
  dispensation: Dispensation;
}

export interface Harness {
  database: Database;
  store: EmbeddedNationalStore;
  national: ReturnType<typeof countingNational>;
  ports: CountryAPorts;
  trail: AuditTrail;
  enqueued: Enqueued[];
  checks: { schema: ReturnType<typeof loadCdaSchema>; terminology: ReturnType<typeof terminologyFromConfig> };
  /** Replace the national adapter the ports use (e.g. a hanging one). */
  withNational(n: NationalRecords): CountryAPorts;
}

export async function harness(): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), "passerelle-country-a-"));
  const config = loadConfig({ env: { PASSERELLE_EHDSI_DIR: EHDSI_DIR, PASSERELLE_LOG_LEVEL: "silent" }, cwd: dir });
  const database = await openDatabase({ url: undefined, dataDir: dir });
  await runMigrations(database, ALL_MIGRATIONS);
  const store = new EmbeddedNationalStore(database);
  await seedDemo(store);
  const trail = new AuditTrail(database);
  const consent = new ConsentService({ repository: new ConsentRepository(database), audit: consentAuditSinkFor(trail, config) });
  await seedDemoConsents(consent);
  const terminology = terminologyFromConfig(config);
  const seal = makeCert({ cn: "LU seal (tests)" });
  const documents = new DocumentSource({ context: documentContextFromConfig(config, terminology), sealKey: signingKeyFromPem(seal.keyPem, seal.certPem) });
  const enqueued: Enqueued[] = [];
  const queue: DeliveryQueue = { enqueueDelivery: async (job) => void enqueued.push(job) };
  const national = countingNational(store);
  const base = {
    consent, documents, dispensations: new DispensationStore(database), audit: auditTrailPort(trail, DOMAINS), queue,
    clock: () => new Date(), domains: DOMAINS, nationalTimeoutMs: 300,
  };
  return {
    database, store, national, trail, enqueued,
    ports: { ...base, national },
    checks: { schema: loadCdaSchema(join(EHDSI_DIR, "schema-cda", "CDA_Pharma.xsd")), terminology },
    withNational: (n) => ({ ...base, national: n }),
  };
}

export function requester(country = "DK", purpose: "TREATMENT" | "EMERGENCY" = "TREATMENT", messageId = `urn:uuid:${Math.random().toString(16).slice(2)}`): Requester {
  const now = Date.now();
  const assertions: ValidatedAssertions = {
    country,
    messageId,
    hcp: {
      id: "_hcp", issuer: "urn:idp:DK", nameId: "doctor-1", subjectId: "Dr Test", role: { code: "221", display: "Medical doctors" }, purposeOfUse: purpose,
      organization: "Hospital", organizationId: "urn:oid:1.2.208.1", facilityType: "Hospital", locality: "Copenhagen", permissions: [], homeCommunityId: undefined,
      onBehalfOf: undefined, authnContext: "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI", notBefore: new Date(now - 1000), notOnOrAfter: new Date(now + 3600_000),
    },
    trc: undefined,
    signers: {},
    notChecked: [],
  };
  return { country, assertions, messageId };
}

export const PATIENTS = {
  sophie: "1992031411227",
  jeanPaul: "1975082223407",
  marguerite: "1948050305678",
  luc: "2001091732174",
  marie: "1968101545978",
  henri: "1937010112347",
} as const;

export const cx = (matricule: string, root: string = DOMAINS.ehdsi) => `${matricule}^^^&${root}&ISO`;
