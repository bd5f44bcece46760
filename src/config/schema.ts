// The gateway's whole configuration: one zod schema over flat variables (environment names), and the
// nested, frozen Config the rest of the code receives. Only main.ts and the CLI read process.env; they
// pass it to loadConfig() (load.ts). With nothing set, the gateway runs in the embedded mode
// (DESIGN.md "Real components and the embedded default").
import { z } from "zod";

/** Luxembourg defaults (REFERENCE.md "Identifiers"; ehdsi/config/pn-oid.xml `lu`). */
export const LU_DEFAULTS = {
  /** The national matricule as our national systems name it (FHIR system urn:oid:1.3.182.4.4). */
  nationalPatientIdOid: "1.3.182.4.4",
  /** The patient identification domain published for LU in the eHDSI pn-oid.xml. */
  ehdsiPatientIdDomain: "1.3.182.2.12.10000734.6.1",
  /** Demo value under the LU national eHealth agency arc; production sets its registered id. */
  homeCommunityId: "urn:oid:1.3.182.2.12.10000734",
  /** Demo value: root under which this gateway issues document ids. */
  documentIdRoot: "1.3.182.2.12.10000734.9.1",
  custodianOid: "1.3.182.2.12.10000734",
  custodianName: "Passerelle NCPeH Luxembourg (demo)",
  custodianCity: "Luxembourg",
} as const;

const oid = z.string().regex(/^[0-2](\.(0|[1-9][0-9]*))+$/, "must be an OID such as 1.3.182.4.4");
const port = z.coerce.number().int("must be an integer").min(0, "must be 0..65535 (0 = any free port)").max(65535, "must be 0..65535 (0 = any free port)");
const bool = z
  .enum(["true", "false", "1", "0", "yes", "no", "on", "off"], { message: "must be true or false" })
  .transform((v) => ["true", "1", "yes", "on"].includes(v));
const nonEmpty = z.string().trim().min(1, "must not be empty");

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/**
 * Purpose of use EMERGENCY on the Patient Summary without a consent in force (issue 4; the consent
 * domain's EmergencyPolicy): deny (default), permit unless the patient revoked, permit. Every override
 * is flagged in the audit trail; ePrescription never gets one.
 */
export const EMERGENCY_ACCESS_POLICIES = ["deny", "permit-unless-revoked", "permit"] as const;
export type EmergencyAccessPolicy = (typeof EMERGENCY_ACCESS_POLICIES)[number];

/**
 * How national clients authenticate on the 8444 listener (`/api/...`, issue 3 "Mutual TLS"; src/api/):
 * a TLS client certificate pinned in the client registry, a bearer token issued by `passerelle clients
 * add --token`, or either (certificate first). Every mode needs a registered client.
 */
export const NATIONAL_AUTH_MODES = ["certificate", "token", "certificate-or-token"] as const;
export type NationalAuthMode = (typeof NATIONAL_AUTH_MODES)[number];

/**
 * Every variable the gateway reads, with its default. Names are the environment variable names; the
 * optional JSON file (PASSERELLE_CONFIG) uses the same names. README.md's configuration table lists them.
 */
export const variablesSchema = z.object({
  PASSERELLE_COUNTRY: z.string().regex(/^[A-Z]{2}$/, "must be an ISO 3166-1 alpha-2 code in capitals, e.g. LU").default("LU"),
  PASSERELLE_HOST: nonEmpty.default("127.0.0.1"),
  PASSERELLE_PARTNER_PORT: port.default(8443),
  PASSERELLE_NATIONAL_PORT: port.default(8444),
  PASSERELLE_OPS_PORT: port.default(9090),
  PASSERELLE_DATA_DIR: nonEmpty.default("data"),
  PASSERELLE_CERTS_DIR: nonEmpty.default("certs"),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL (unset = embedded SQLite)")
    .optional(),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL (unset = embedded queue)").optional(),
  PASSERELLE_LOG_LEVEL: z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(", ")}` }).default("info"),
  PASSERELLE_NATIONAL_PATIENT_ID_OID: oid.optional(),
  PASSERELLE_EHDSI_PATIENT_ID_DOMAIN: oid.optional(),
  PASSERELLE_HOME_COMMUNITY_ID: z.string().regex(/^urn:oid:[0-2](\.(0|[1-9][0-9]*))+$/, "must be urn:oid:<OID>").optional(),
  PASSERELLE_DOCUMENT_ID_ROOT: oid.optional(),
  PASSERELLE_CUSTODIAN_OID: oid.optional(),
  PASSERELLE_CUSTODIAN_NAME: nonEmpty.optional(),
  PASSERELLE_CUSTODIAN_CITY: nonEmpty.optional(),
  PASSERELLE_EHDSI_DIR: nonEmpty.optional(),
  PASSERELLE_DEMO_SEED: bool.optional(),
  PASSERELLE_PARTNERS_FILE: nonEmpty.optional(),
  PASSERELLE_CERT_EXPIRY_WARNING_DAYS: z.coerce.number().int("must be an integer").min(1, "must be at least 1").max(365, "must be at most 365").default(30),
  PASSERELLE_RAW_MESSAGE_RETENTION_DAYS: z.coerce.number().int("must be an integer").min(1, "must be at least 1").max(3650, "must be at most 3650").default(30),
  PASSERELLE_EMERGENCY_ACCESS: z.enum(EMERGENCY_ACCESS_POLICIES, { message: `must be one of ${EMERGENCY_ACCESS_POLICIES.join(", ")}` }).default("deny"),
  PASSERELLE_NATIONAL_AUTH: z.enum(NATIONAL_AUTH_MODES, { message: `must be one of ${NATIONAL_AUTH_MODES.join(", ")}` }).default("certificate-or-token"),
  PASSERELLE_NATIONAL_CLIENT_CA: nonEmpty.optional(),
});

export type Variables = z.output<typeof variablesSchema>;
export type VariableName = keyof z.input<typeof variablesSchema>;
export const VARIABLE_NAMES = Object.keys(variablesSchema.shape) as VariableName[];

export type LogLevel = (typeof LOG_LEVELS)[number];

/** What the code receives: resolved, absolute paths; deeply frozen. */
export interface Config {
  readonly country: string;
  readonly listen: {
    readonly host: string;
    /** Partner gateways, mutual TLS (`/ncp/...`). */
    readonly partnerPort: number;
    /** National clients and operator console, TLS (`/api/...`, `/ops/...`). */
    readonly nationalPort: number;
    /** Plain HTTP: /healthz, /readyz, /metrics. */
    readonly opsPort: number;
  };
  /** Absolute. Holds passerelle.sqlite in the embedded mode. */
  readonly dataDir: string;
  /** Absolute. The PKI laid out as certs.example/README.md describes. */
  readonly certsDir: string;
  /** PostgreSQL URL; undefined = SQLite under dataDir. */
  readonly databaseUrl: string | undefined;
  /** Redis URL; undefined = the embedded queue in the database. */
  readonly redisUrl: string | undefined;
  readonly logLevel: LogLevel;
  readonly identifiers: {
    /** Assigning authority of national patient ids (LU: the matricule, 1.3.182.4.4). */
    readonly nationalPatientIdOid: string;
    /** Patient id domain announced to eHDSI partners (pn-oid.xml). */
    readonly ehdsiPatientIdDomain: string;
    /** urn:oid:... */
    readonly homeCommunityId: string;
    readonly documentIdRoot: string;
  };
  readonly custodian: { readonly oid: string; readonly name: string; readonly city: string | undefined };
  /** Where the operator keeps the official eHDSI artefacts (MVC, XSD, schematrons); absolute or undefined. */
  readonly ehdsiDir: string | undefined;
  /** Seed demo patients into the embedded national store on start. */
  readonly demoSeed: boolean;
  /** Partner gateways to load into the registry on start (absolute); undefined = the database as it is. */
  readonly partnersFile: string | undefined;
  /** Warn this many days before a certificate (ours or a partner's) expires. */
  readonly certExpiryWarningDays: number;
  /** Raw inbound and outbound SOAP messages are kept this many days for support, then purged (src/audit/messages.ts). */
  readonly rawMessageRetentionDays: number;
  /** Emergency access to the Patient Summary without consent (src/consent/model.ts EmergencyPolicy); default deny. */
  readonly emergencyAccess: EmergencyAccessPolicy;
  /** National clients of `/api/...` (src/api/): how they authenticate, and the CA(s) their certificates must chain to. */
  readonly nationalAuth: {
    readonly mode: NationalAuthMode;
    /** Absolute path of a PEM file of one or more CA certificates; default `<certsDir>/ca.pem`. */
    readonly clientCaFile: string;
  };
  /** The JSON file the configuration was read from, if any. */
  readonly configFile: string | undefined;
}
