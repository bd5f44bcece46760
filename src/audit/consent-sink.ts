// The consent domain's AuditSink port (src/consent/audit.ts) served by the gateway's audit trail:
// every consent decision (permit and deny, with its reason; an emergency override flagged), change and
// import becomes a hash-chained event. record() resolves after commit, so a failing audit write still
// fails the consent request (no disclosure without evidence).
import type { Config } from "../config/schema";
import type { AuditSink, ConsentAuditEvent } from "../consent/audit";
import type { AuditEventInput } from "./event";
import type { AuditTrail } from "./trail";

export interface ConsentSinkOptions {
  /** Assigning authority of the patient ids consent speaks of (the eHDSI patient id domain), for the CX form. */
  readonly patientIdAuthority: string;
}

/**
 * The eHDSI error code a deny answers with (REFERENCE.md "Error codes"): 4701 consent missing (none,
 * revoked, expired, not yet valid, not covering the country or service); 4703 policy (a country that
 * does not take part).
 */
export function denyErrorCode(reason: string): string {
  return reason === "country-not-participating" ? "4703" : "4701";
}

/** The consent event as an audit event (pure; exported for tests). */
export function consentAuditEvent(event: ConsentAuditEvent, options: ConsentSinkOptions): AuditEventInput {
  const cx = (patient: string) => `${patient}^^^&${options.patientIdAuthority}&ISO`;
  const trace = event.correlationId === undefined ? {} : { traceId: event.correlationId };
  switch (event.type) {
    case "consent-decision":
      return {
        type: "CONSENT-DECISION",
        time: event.at,
        // A deny is the decision working; it is recorded as a refusal so operators find it with the failures.
        outcome: event.permit ? "success" : "failure",
        ...(event.permit ? {} : { errorCode: denyErrorCode(event.reason) }),
        who: { partnerCountry: event.country, purposeOfUse: event.purpose, emergency: event.emergencyOverride },
        patientId: cx(event.patient),
        ...trace,
        details: {
          service: event.service,
          permit: event.permit,
          reason: event.reason,
          grantVersion: event.grantVersion,
          emergencyOverride: event.emergencyOverride,
          ...(event.deniedReason === undefined ? {} : { deniedReason: event.deniedReason }),
        },
      };
    case "consent-change":
      return {
        type: "CONSENT-CHANGE",
        time: event.at,
        outcome: "success",
        who: { userId: event.recordedBy },
        patientId: cx(event.patient),
        ...trace,
        details: { action: event.action, version: event.version, requestId: event.requestId, source: event.source },
      };
    case "consent-import":
      return {
        type: "CONSENT-IMPORT",
        time: event.at,
        outcome: "success",
        who: { userId: event.importedBy },
        ...trace,
        details: { lines: event.lines, imported: event.imported, replayed: event.replayed, rejected: event.rejected },
      };
  }
}

export class TrailConsentAuditSink implements AuditSink {
  constructor(
    private readonly trail: AuditTrail,
    private readonly options: ConsentSinkOptions,
  ) {}

  async record(event: ConsentAuditEvent): Promise<void> {
    await this.trail.record(consentAuditEvent(event, this.options));
  }
}

/**
 * The consent sink over a trail, speaking of patients in the configured eHDSI patient id domain. The
 * gateway module (consentAuditSinkOf) and `passerelle consent` (over its own database) both build it here.
 */
export function consentAuditSinkFor(trail: AuditTrail, config: Pick<Config, "identifiers">): TrailConsentAuditSink {
  return new TrailConsentAuditSink(trail, { patientIdAuthority: config.identifiers.ehdsiPatientIdDomain });
}
