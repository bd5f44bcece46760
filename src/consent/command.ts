// Parsing a consent command (REST body, NDJSON line, CLI options) into a ConsentCommand, strictly:
// every problem is reported with its JSON pointer, nothing is guessed. History-dependent checks
// (overlap, request id reuse, version) are in registry-rules.ts.
import { z } from "zod";
import { matriculeProblem } from "../national/matricule";
import { LUXEMBOURG_PATIENT_ID, type NationalPatientIdRule } from "../national/patient-id";
import { type CountryCode, isMyHealthEuCountry } from "./countries";
import { ConsentProblem, consentError } from "./errors";
import { CONSENT_ACTIONS, CONSENT_SERVICES, CONSENT_SOURCES, type ConsentCommand, type ConsentService, type CountryScope } from "./model";

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
// A timestamp must say its offset: a consent period is never read in the reader's local time.
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const DAY_MS = 86_400_000;

/**
 * A period bound as ISO 8601 UTC. A bare date is a whole UTC day: `from` starts at its 00:00Z,
 * `until` is inclusive (the period ends at 00:00Z of the next day).
 */
export function parseBound(value: string, bound: "from" | "until"): string | undefined {
  if (DATE_ONLY.test(value)) {
    const ms = Date.parse(`${value}T00:00:00Z`);
    if (!Number.isFinite(ms) || new Date(ms).toISOString().slice(0, 10) !== value) return undefined;
    return new Date(bound === "until" ? ms + DAY_MS : ms).toISOString();
  }
  if (!TIMESTAMP.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

const requestId = z.string().regex(/^[A-Za-z0-9._:@/-]{1,128}$/, "1 to 128 characters among letters, digits and . _ : @ / -");

/** The wire shape shared by the REST body and the NDJSON line (schemas/consent-command.json). */
export const commandInput = z.strictObject({
  patient: z.string(),
  action: z.enum(CONSENT_ACTIONS),
  services: z.array(z.enum(CONSENT_SERVICES)).min(1).max(2).optional(),
  countries: z.union([z.literal("ALL"), z.array(z.string()).min(1).max(64)]).optional(),
  validFrom: z.string().optional(),
  validUntil: z.string().optional(),
  source: z.enum(CONSENT_SOURCES),
  recordedBy: z.string().trim().min(1).max(200),
  requestId,
  expectedVersion: z.number().int().min(0).optional(),
});
export type CommandInput = z.input<typeof commandInput>;

export interface ParsedCommand {
  readonly command: ConsentCommand;
  /** Optimistic concurrency: the version the client last saw (0 = no history yet). */
  readonly expectedVersion: number | undefined;
}

/**
 * The patient id when it passes the configured country's rule (national/patient-id.ts). A matricule
 * (LU) keeps its precise problem (CONSENT_MATRICULE_INVALID, details.matriculeProblem); another
 * country's identifier that fails the generic format check is CONSENT_INPUT_INVALID.
 */
export function checkPatientId(value: string, rule: NationalPatientIdRule = LUXEMBOURG_PATIENT_ID, location = "/patient"): string {
  if (rule.check === LUXEMBOURG_PATIENT_ID.check) {
    const mp = matriculeProblem(value);
    if (mp) throw consentError(ConsentProblem.MatriculeInvalid, `invalid matricule ${JSON.stringify(value)}: ${mp.message}`, { location, matriculeProblem: mp.problem });
    return value;
  }
  try {
    return rule.check(value, location);
  } catch (e) {
    throw consentError(ConsentProblem.InputInvalid, `invalid patient id ${JSON.stringify(value)}: ${(e as Error).message}`, { location });
  }
}

/**
 * Parses and normalises (sorted, de-duplicated scopes; UTC bounds). The patient id is checked by the
 * configured country's rule (default: the matricule). Throws a consent error.
 */
export function parseCommand(raw: unknown, patientIds: NationalPatientIdRule = LUXEMBOURG_PATIENT_ID): ParsedCommand {
  const parsed = commandInput.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => ({ location: `/${i.path.join("/")}`, message: i.message }));
    const first = problems[0]!;
    throw consentError(ConsentProblem.InputInvalid, `invalid consent command at ${first.location}: ${first.message}`, { location: first.location, problems });
  }
  const input = parsed.data;
  checkPatientId(input.patient, patientIds);

  const services: ConsentService[] = [...new Set(input.services ?? CONSENT_SERVICES)].sort();
  const countries = normaliseCountries(input.countries);
  const validFrom = bound(input.validFrom, "from", "/validFrom");
  const validUntil = bound(input.validUntil, "until", "/validUntil");
  if (input.action === "revoke" && validUntil !== undefined) {
    throw consentError(ConsentProblem.InputInvalid, "a revocation has no end date (validUntil): record a new grant to consent again", { location: "/validUntil" });
  }
  if (validFrom !== undefined && validUntil !== undefined && validFrom >= validUntil) {
    throw consentError(ConsentProblem.PeriodInverted, `validity period is empty or inverted: from ${validFrom} until ${validUntil}`, { location: "/validUntil", validFrom, validUntil });
  }
  const command: ConsentCommand = {
    patient: input.patient,
    action: input.action,
    services,
    countries,
    ...(validFrom !== undefined ? { validFrom } : {}),
    ...(validUntil !== undefined ? { validUntil } : {}),
    source: input.source,
    recordedBy: input.recordedBy,
    requestId: input.requestId,
  };
  return { command, expectedVersion: input.expectedVersion };
}

function normaliseCountries(raw: "ALL" | string[] | undefined): CountryScope {
  if (raw === undefined || raw === "ALL") return "ALL";
  const codes = new Set<CountryCode>();
  raw.forEach((c, i) => {
    const upper = c.toUpperCase();
    if (!isMyHealthEuCountry(upper)) {
      throw consentError(ConsentProblem.CountryUnknown, `unknown country code ${JSON.stringify(c)}: not a MyHealth@EU country (ISO 3166-1 alpha-2)`, { location: `/countries/${i}` });
    }
    codes.add(upper);
  });
  return [...codes].sort();
}

function bound(value: string | undefined, which: "from" | "until", location: string): string | undefined {
  if (value === undefined) return undefined;
  const iso = parseBound(value, which);
  if (iso === undefined) {
    throw consentError(ConsentProblem.InputInvalid, `${location.slice(1)} ${JSON.stringify(value)} is not a date (YYYY-MM-DD) nor a timestamp with offset`, { location });
  }
  return iso;
}

/** Fields by which two commands differ (idempotency: same request id, different body). */
export function differingFields(a: ConsentCommand, b: ConsentCommand): string[] {
  const keys = ["patient", "action", "services", "countries", "validFrom", "validUntil", "source", "recordedBy"] as const;
  return keys.filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}
