// The audit event of the gateway's trail (DESIGN.md: audit/ records every step that decides or
// discloses; issue 5: who, which patient, which documents, outcome, error code, timing).
// Event ids are the eHDSI ATNA ids (REFERENCE.md "Audit event ids") plus the gateway's own.
// The trail holds identifiers and metadata only: never document contents, assertions or secrets
// (checkEventInput refuses them), so an export can go to an auditor as it is.
import { ErrorCode, PasserelleError } from "../shared/errors";

export const AUDIT_EVENT_TYPES = [
  "EHDSI-11", // XCPD: patient identification
  "EHDSI-21", // Patient Summary list (XCA query)
  "EHDSI-22", // Patient Summary retrieve (XCA retrieve)
  "EHDSI-31", // ePrescription list
  "EHDSI-32", // ePrescription retrieve
  "EHDSI-41", // eDispensation submit
  "EHDSI-42", // eDispensation discard
  "EHDSI-91", // health professional authentication (HCP assertion)
  "EHDSI-92", // TRC assertion issuance
  "EHDSI-94", // pivot translation
  "EHDSI-CF", // communication failure
  "CONSENT-DECISION",
  "CONSENT-CHANGE",
  "CONSENT-IMPORT",
  "ASSERTION-REFUSED",
  "NATIONAL-CLIENT-REFUSED", // a national client refused on /api (credentials, scope, rate limit)
  "OPERATOR-ACTION", // an operator's action in the console (replay of a dead-lettered exchange)
  "OPERATOR-LOGIN", // an operator's console login, accepted or refused
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

export const AUDIT_OUTCOMES = ["success", "failure"] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** inbound: we are country A, a partner asks; outbound: we are country B, we ask a partner. */
export const AUDIT_DIRECTIONS = ["inbound", "outbound"] as const;
export type AuditDirection = (typeof AUDIT_DIRECTIONS)[number];

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Who asked: the partner gateway and the health professional behind it (HCP assertion). */
export interface AuditWho {
  /** ISO 3166-1 alpha-2 of the partner country. */
  readonly partnerCountry?: string;
  /** urn:oid:... of the partner gateway. */
  readonly homeCommunityId?: string;
  /** HCP identifier (assertion Subject NameID). */
  readonly hcpId?: string;
  /** HCP role (eHDSI functional role). */
  readonly role?: string;
  readonly organisation?: string;
  readonly organisationId?: string;
  /** Purpose of use (TREATMENT, EMERGENCY). */
  readonly purposeOfUse?: string;
  /** Emergency access (purpose EMERGENCY, or an emergency override of consent). */
  readonly emergency?: boolean;
  /** A local user (operator, national client) when there is no foreign HCP. */
  readonly userId?: string;
}

/** What a caller gives to AuditTrail.record(). */
export interface AuditEventInput {
  readonly type: AuditEventType;
  /** When it happened, ISO 8601; default: the time record() is called. */
  readonly time?: string;
  readonly outcome: AuditOutcome;
  /** eHDSI error code (REFERENCE.md "Error codes") or PasserelleError code, for a failure. */
  readonly errorCode?: string;
  readonly who?: AuditWho;
  /** Patient id in CX form `ID^^^&OID&ISO`. */
  readonly patientId?: string;
  /** Unique ids of the documents listed, retrieved or submitted. */
  readonly documentIds?: readonly string[];
  readonly direction?: AuditDirection;
  readonly durationMs?: number;
  readonly traceId?: string;
  readonly exchangeId?: string;
  /** Small structured facts (codes, counts, reasons). No contents, no secrets. */
  readonly details?: { readonly [key: string]: JsonValue };
}

/** A recorded event: the normalised input with its place in the chain. */
export interface AuditEvent extends Omit<AuditEventInput, "time"> {
  readonly id: string;
  readonly seq: number;
  readonly time: string;
  readonly prevHash: string;
  readonly hash: string;
}

/** The hashed part of an event: everything but the hashes themselves. */
export type HashedEvent = Omit<AuditEvent, "prevHash" | "hash">;

const CX = /^[^^&]+\^\^\^&[0-2](\.(0|[1-9][0-9]*))+&ISO$/;
const COUNTRY = /^[A-Z]{2}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
/**
 * Keys that name what the trail must never hold (contents, credentials), matched on the end of the key
 * with separators removed: "documentContent", "saml_assertion", "password" are refused, "contentType" is not.
 */
const FORBIDDEN_KEY = /(password|passwd|secret|privatekey|token|assertion|cookie|authori[sz]ation|credentials?|contents?|body|payload|document|base64|pem)$/;
const MAX_DETAIL_STRING = 1024;
const MAX_DETAILS_BYTES = 8192;
const MAX_IDENTIFIER = 512;

function invalid(message: string, location: string): PasserelleError {
  return new PasserelleError(ErrorCode.InputInvalid, `audit event: ${message}`, { location });
}

/** Refuses an event the trail must not hold; returns it with its time normalised to ISO UTC. */
export function checkEventInput(input: AuditEventInput, now: Date): AuditEventInput & { time: string } {
  if (!(AUDIT_EVENT_TYPES as readonly string[]).includes(input.type)) throw invalid(`unknown event type ${JSON.stringify(input.type)}`, "type");
  if (!(AUDIT_OUTCOMES as readonly string[]).includes(input.outcome)) throw invalid(`outcome must be success or failure`, "outcome");
  if (input.direction !== undefined && !(AUDIT_DIRECTIONS as readonly string[]).includes(input.direction)) throw invalid("direction must be inbound or outbound", "direction");
  if (input.time !== undefined && (!ISO_TIME.test(input.time) || Number.isNaN(Date.parse(input.time)))) throw invalid(`time ${JSON.stringify(input.time)} is not ISO 8601 with a zone`, "time");
  if (input.patientId !== undefined && !CX.test(input.patientId)) throw invalid(`patient id ${JSON.stringify(input.patientId)} is not in CX form ID^^^&OID&ISO`, "patientId");
  if (input.who?.partnerCountry !== undefined && !COUNTRY.test(input.who.partnerCountry)) throw invalid("partner country must be ISO 3166-1 alpha-2", "who.partnerCountry");
  if (input.durationMs !== undefined && !(Number.isFinite(input.durationMs) && input.durationMs >= 0)) throw invalid("duration must be a non-negative number of milliseconds", "durationMs");
  for (const [name, value] of identifiers(input)) {
    if (value.length === 0 || value.length > MAX_IDENTIFIER) throw invalid(`${name} must be 1..${MAX_IDENTIFIER} characters`, name);
    if (hasControlCharacter(value)) throw invalid(`${name} holds a control character`, name);
  }
  if (input.details !== undefined) {
    checkDetails(input.details, "details");
    if (Buffer.byteLength(JSON.stringify(input.details)) > MAX_DETAILS_BYTES) throw invalid(`details exceed ${MAX_DETAILS_BYTES} bytes: the trail holds facts, not contents`, "details");
  }
  return { ...input, time: new Date(input.time ?? now).toISOString() };
}

function identifiers(input: AuditEventInput): [string, string][] {
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(input.who ?? {})) if (typeof v === "string") out.push([`who.${k}`, v]);
  for (const k of ["errorCode", "traceId", "exchangeId", "patientId"] as const) {
    const v = input[k];
    if (v !== undefined) out.push([k, v]);
  }
  (input.documentIds ?? []).forEach((d, i) => out.push([`documentIds[${i}]`, d]));
  return out;
}

function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

function checkDetails(value: JsonValue, path: string): void {
  if (typeof value === "string") {
    if (value.length > MAX_DETAIL_STRING) throw invalid(`${path} is longer than ${MAX_DETAIL_STRING} characters: the trail holds facts, not contents`, path);
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(value)) throw invalid(`${path} holds a private key`, path);
    return;
  }
  if (typeof value === "number" && !Number.isFinite(value)) throw invalid(`${path} is not a finite number`, path);
  if (Array.isArray(value)) {
    value.forEach((v, i) => checkDetails(v, `${path}[${i}]`));
    return;
  }
  if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (FORBIDDEN_KEY.test(k.toLowerCase().replace(/[^a-z0-9]/g, ""))) throw invalid(`${path}.${k}: the trail never holds document contents, assertions or secrets`, `${path}.${k}`);
      checkDetails(v, `${path}.${k}`);
    }
  }
}

/**
 * Canonical serialisation for hashing: JSON with object keys sorted (by UTF-16 code units, as
 * Array.prototype.sort), no whitespace, undefined members left out. Same value, same bytes.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) throw new PasserelleError(ErrorCode.Internal, "canonical JSON: non-finite number");
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}
