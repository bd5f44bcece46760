// Cross-border consent: the records of a patient's consent history and the decisions taken on them.
// In Luxembourg a patient records consent in the shared care record before any data may cross the
// border; the country-A gateway checks it on every request (REFERENCE.md: 4701 / ERROR_*_NO_CONSENT).
import type { CountryCode } from "./countries";

/** ps = Patient Summary; ep = ePrescription, which also covers eDispensation (same permission scope). */
export const CONSENT_SERVICES = ["ps", "ep"] as const;
export type ConsentService = (typeof CONSENT_SERVICES)[number];

export const CONSENT_SOURCES = ["national-record", "patient-portal", "paper-form"] as const;
export type ConsentSource = (typeof CONSENT_SOURCES)[number];

export const CONSENT_ACTIONS = ["grant", "revoke"] as const;
export type ConsentAction = (typeof CONSENT_ACTIONS)[number];

/** "ALL" = every MyHealth@EU country (countries.ts), including countries added to the list later. */
export type CountryScope = "ALL" | readonly CountryCode[];

export const PURPOSES_OF_USE = ["TREATMENT", "EMERGENCY"] as const;
export type PurposeOfUse = (typeof PURPOSES_OF_USE)[number];

/**
 * One entry of a patient's append-only history. Never updated: a change is a new record with the
 * next version (1, 2, 3 ... per patient).
 */
export interface ConsentRecord {
  readonly patient: string;
  readonly version: number;
  readonly action: ConsentAction;
  readonly services: readonly ConsentService[];
  readonly countries: CountryScope;
  /** ISO 8601 UTC. Absent: in force from `recordedAt`. */
  readonly validFrom?: string | undefined;
  /** ISO 8601 UTC, exclusive. Absent: no end. Grants only. */
  readonly validUntil?: string | undefined;
  readonly source: ConsentSource;
  readonly recordedBy: string;
  /** ISO 8601 UTC. */
  readonly recordedAt: string;
  /** The client's request id: a retried request with the same id and body gets the same answer. */
  readonly requestId: string;
}

/** What a client asks to record; the registry adds version and recordedAt. */
export type ConsentCommand = Omit<ConsentRecord, "version" | "recordedAt">;

export interface DecisionQuery {
  readonly patient: string;
  readonly country: string;
  readonly service: ConsentService;
  readonly purpose: PurposeOfUse;
  /** Epoch milliseconds or ISO 8601 timestamp. */
  readonly at: number | string;
}

export const DENY_REASONS = [
  "no-consent",
  "revoked",
  "expired",
  "not-yet-valid",
  "country-not-covered",
  "service-not-covered",
  "country-not-participating",
] as const;
export type DenyReason = (typeof DENY_REASONS)[number];

export type Decision =
  | { readonly permit: true; readonly reason: "consent-granted"; readonly grantVersion: number; readonly emergencyOverride: false }
  /** Purpose EMERGENCY let through without a consent in force, by deployment policy: always flagged. */
  | { readonly permit: true; readonly reason: "emergency-override"; readonly grantVersion: null; readonly emergencyOverride: true; readonly deniedReason: DenyReason }
  | { readonly permit: false; readonly reason: DenyReason };

/**
 * Per-deployment policy for purpose of use EMERGENCY on the Patient Summary (issue: default no).
 * - "deny": emergency needs a consent like any treatment;
 * - "permit-unless-revoked": no consent needed, unless the patient revoked one for that scope;
 * - "permit": no consent needed at all.
 * ePrescription never gets an emergency override.
 */
export type EmergencyPolicy = "deny" | "permit-unless-revoked" | "permit";

export interface DecisionPolicy {
  readonly emergency: EmergencyPolicy;
}

export const DEFAULT_DECISION_POLICY: DecisionPolicy = Object.freeze({ emergency: "deny" });
