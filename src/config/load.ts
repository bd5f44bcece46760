// Reads the configuration once: the optional JSON file named by PASSERELLE_CONFIG, then the environment
// (which wins). Every problem is reported at once, each naming its variable; the result is deeply frozen.
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ErrorCode, PasserelleError } from "../shared/errors";
import { LU_DEFAULTS, VARIABLE_NAMES, variablesSchema, type Config, type Variables } from "./schema";

export interface LoadConfigOptions {
  /** The environment (main.ts and the CLI pass process.env; nothing else reads it). */
  env: Readonly<Record<string, string | undefined>>;
  /** Base of relative paths (default: the current directory). */
  cwd?: string;
  /** The project directory; its sibling ../shared/ehdsi is the default eHDSI resources directory. */
  projectRoot?: string;
}

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const CONFIG_FILE_VARIABLE = "PASSERELLE_CONFIG";
const KNOWN = new Set<string>([...VARIABLE_NAMES, CONFIG_FILE_VARIABLE]);

export interface ConfigReport {
  readonly config: Config;
  /** Things worth telling the operator that do not stop the gateway (e.g. an unknown PASSERELLE_ variable). */
  readonly warnings: readonly string[];
}

export function loadConfig(options: LoadConfigOptions): Config {
  return loadConfigReport(options).config;
}

export function loadConfigReport(options: LoadConfigOptions): ConfigReport {
  const cwd = options.cwd ?? process.cwd();
  const problems: string[] = [];
  const warnings: string[] = [];
  const raw: Record<string, string> = {};

  const configFile = nonBlank(options.env[CONFIG_FILE_VARIABLE]);
  const configPath = configFile === undefined ? undefined : resolve(cwd, configFile);
  if (configPath) Object.assign(raw, readConfigFile(configPath, problems));

  for (const [name, value] of Object.entries(options.env)) {
    // A typo must not pass silently; tools' own PASSERELLE_ variables must not stop the gateway either.
    if (name.startsWith("PASSERELLE_") && !KNOWN.has(name)) warnings.push(`${name}: not a configuration variable, ignored (known: ${[...KNOWN].sort().join(", ")})`);
    if (!KNOWN.has(name) || name === CONFIG_FILE_VARIABLE) continue;
    const v = nonBlank(value);
    if (v !== undefined) raw[name] = v;
  }

  const parsed = variablesSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? "(configuration)");
      const got = raw[name] === undefined ? "" : ` (got ${JSON.stringify(raw[name])})`;
      problems.push(`${name}: ${issue.message}${got}`);
    }
  }
  if (problems.length > 0 || !parsed.success) throw configError(problems);

  const config = buildConfig(parsed.data, cwd, options.projectRoot ?? PROJECT_ROOT, configPath, problems);
  if (problems.length > 0) throw configError(problems);
  return { config: deepFreeze(config), warnings };
}

function buildConfig(v: Variables, cwd: string, projectRoot: string, configFile: string | undefined, problems: string[]): Config {
  const ports = [
    ["PASSERELLE_PARTNER_PORT", v.PASSERELLE_PARTNER_PORT],
    ["PASSERELLE_NATIONAL_PORT", v.PASSERELLE_NATIONAL_PORT],
    ["PASSERELLE_OPS_PORT", v.PASSERELLE_OPS_PORT],
  ] as const;
  for (const [i, [name, p]] of ports.entries()) {
    const clash = ports.slice(0, i).find(([, q]) => q === p && p !== 0);
    if (clash) problems.push(`${name}: port ${p} is already used by ${clash[0]}`);
  }

  // The LU identifiers are defaults only for LU: another country must name its own.
  const isLu = v.PASSERELLE_COUNTRY === "LU";
  const countrySpecific = <T>(name: string, value: T | undefined, luDefault: T): T => {
    if (value !== undefined) return value;
    if (!isLu) problems.push(`${name}: required when PASSERELLE_COUNTRY is not LU (the default is Luxembourg's)`);
    return luDefault;
  };

  let ehdsiDir: string | undefined;
  if (v.PASSERELLE_EHDSI_DIR !== undefined) {
    ehdsiDir = resolve(cwd, v.PASSERELLE_EHDSI_DIR);
    if (!isDirectory(ehdsiDir)) problems.push(`PASSERELLE_EHDSI_DIR: ${ehdsiDir} is not a directory`);
  } else {
    const candidate = resolve(projectRoot, "../shared/ehdsi");
    ehdsiDir = isDirectory(candidate) ? candidate : undefined;
  }

  const databaseUrl = v.DATABASE_URL;
  return {
    country: v.PASSERELLE_COUNTRY,
    listen: {
      host: v.PASSERELLE_HOST,
      partnerPort: v.PASSERELLE_PARTNER_PORT,
      nationalPort: v.PASSERELLE_NATIONAL_PORT,
      opsPort: v.PASSERELLE_OPS_PORT,
    },
    dataDir: absolute(cwd, v.PASSERELLE_DATA_DIR),
    certsDir: absolute(cwd, v.PASSERELLE_CERTS_DIR),
    databaseUrl,
    redisUrl: v.REDIS_URL,
    logLevel: v.PASSERELLE_LOG_LEVEL,
    identifiers: {
      nationalPatientIdOid: countrySpecific("PASSERELLE_NATIONAL_PATIENT_ID_OID", v.PASSERELLE_NATIONAL_PATIENT_ID_OID, LU_DEFAULTS.nationalPatientIdOid),
      ehdsiPatientIdDomain: countrySpecific("PASSERELLE_EHDSI_PATIENT_ID_DOMAIN", v.PASSERELLE_EHDSI_PATIENT_ID_DOMAIN, LU_DEFAULTS.ehdsiPatientIdDomain),
      homeCommunityId: countrySpecific("PASSERELLE_HOME_COMMUNITY_ID", v.PASSERELLE_HOME_COMMUNITY_ID, LU_DEFAULTS.homeCommunityId),
      documentIdRoot: countrySpecific("PASSERELLE_DOCUMENT_ID_ROOT", v.PASSERELLE_DOCUMENT_ID_ROOT, LU_DEFAULTS.documentIdRoot),
    },
    custodian: {
      oid: countrySpecific("PASSERELLE_CUSTODIAN_OID", v.PASSERELLE_CUSTODIAN_OID, LU_DEFAULTS.custodianOid),
      name: countrySpecific("PASSERELLE_CUSTODIAN_NAME", v.PASSERELLE_CUSTODIAN_NAME, LU_DEFAULTS.custodianName),
      city: v.PASSERELLE_CUSTODIAN_CITY ?? (isLu ? LU_DEFAULTS.custodianCity : undefined),
    },
    ehdsiDir,
    // Demo patients belong to the embedded mode only, unless asked for explicitly.
    demoSeed: v.PASSERELLE_DEMO_SEED ?? databaseUrl === undefined,
    partnersFile: v.PASSERELLE_PARTNERS_FILE === undefined ? undefined : absolute(cwd, v.PASSERELLE_PARTNERS_FILE),
    certExpiryWarningDays: v.PASSERELLE_CERT_EXPIRY_WARNING_DAYS,
    rawMessageRetentionDays: v.PASSERELLE_RAW_MESSAGE_RETENTION_DAYS,
    emergencyAccess: v.PASSERELLE_EMERGENCY_ACCESS,
    nationalAuth: {
      mode: v.PASSERELLE_NATIONAL_AUTH,
      clientCaFile: absolute(cwd, v.PASSERELLE_NATIONAL_CLIENT_CA ?? join(v.PASSERELLE_CERTS_DIR, "ca.pem")),
    },
    configFile,
  };
}

function readConfigFile(path: string, problems: string[]): Record<string, string> {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    problems.push(`${CONFIG_FILE_VARIABLE}: cannot read ${path} as JSON: ${(e as Error).message}`);
    return {};
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    problems.push(`${CONFIG_FILE_VARIABLE}: ${path} must hold a JSON object of variable names to values`);
    return {};
  }
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(data)) {
    if (!KNOWN.has(name) || name === CONFIG_FILE_VARIABLE) {
      problems.push(`${name}: unknown variable in ${path}`);
    } else if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
      const v = nonBlank(String(value));
      if (v !== undefined) out[name] = v;
    } else if (value !== null) {
      problems.push(`${name}: must be a string, number or boolean in ${path}`);
    }
  }
  return out;
}

function configError(problems: readonly string[]): PasserelleError {
  return new PasserelleError(ErrorCode.ConfigInvalid, `invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  - ${problems.join("\n  - ")}`, {
    problems: [...problems],
  });
}

function nonBlank(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}

function absolute(cwd: string, path: string): string {
  return isAbsolute(path) ? path : resolve(cwd, path);
}

function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/** Freezes an object and everything reachable from it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
