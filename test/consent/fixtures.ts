// Shared test builders for consent commands and services on a real database.
import { TrailConsentAuditSink } from "../../src/audit/consent-sink";
import type { AuditEvent, AuditEventType } from "../../src/audit/event";
import { AuditTrail } from "../../src/audit/trail";
import { LU_DEFAULTS } from "../../src/config/schema";
import { makeMatricule } from "../../src/national/matricule";
import type { ConsentCommand, DecisionPolicy } from "../../src/consent/model";
import { ConsentRepository } from "../../src/consent/repository";
import { ConsentService, type PatientDirectory } from "../../src/consent/service";
import type { Database } from "../../src/storage/database";

export const ALICE = makeMatricule("19850412", 101);
export const BOB = makeMatricule("19700101", 7);
export const UNKNOWN = makeMatricule("19991231", 999);

let counter = 0;
let patients = 0;
/** A valid matricule not used before in this process (serials 1..999 per birth date). */
export const freshPatient = (): string => {
  patients += 1;
  return makeMatricule(`1960${String(1 + Math.floor(patients / 999) % 12).padStart(2, "0")}01`, patients % 999 + 1);
};
export const uniqueId = (prefix = "req"): string => `${prefix}-${process.pid}-${++counter}`;

export function grantCommand(patient: string, extra: Partial<ConsentCommand> = {}): ConsentCommand {
  return { patient, action: "grant", services: ["ep", "ps"], countries: "ALL", source: "national-record", recordedBy: "tester", requestId: uniqueId(), ...extra };
}

export function revokeCommand(patient: string, extra: Partial<ConsentCommand> = {}): ConsentCommand {
  return { patient, action: "revoke", services: ["ep", "ps"], countries: "ALL", source: "patient-portal", recordedBy: "tester", requestId: uniqueId(), ...extra };
}

/** Knows ALICE and BOB only. */
export const directory: PatientDirectory = { exists: async (m) => m === ALICE || m === BOB };

/** The eHDSI patient id domain the trail-backed sink speaks of (the configured default). */
export const PATIENT_ID_DOMAIN = LU_DEFAULTS.ehdsiPatientIdDomain;

/** A matricule in CX form, as the audit trail keeps patient ids. */
export const cxOf = (matricule: string): string => `${matricule}^^^&${PATIENT_ID_DOMAIN}&ISO`;

/** The gateway's hash-chained audit trail over a database, and the consent sink writing into it. */
export interface TrailAudit {
  readonly trail: AuditTrail;
  readonly sink: TrailConsentAuditSink;
}

export function trailAudit(database: Database): TrailAudit {
  const trail = new AuditTrail(database);
  return { trail, sink: new TrailConsentAuditSink(trail, { patientIdAuthority: PATIENT_ID_DOMAIN }) };
}

/** The consent events of one patient in the trail, oldest first (decisions and changes by default). */
export async function consentEventsOf(
  trail: AuditTrail,
  patient: string,
  types: readonly AuditEventType[] = ["CONSENT-DECISION", "CONSENT-CHANGE"],
): Promise<AuditEvent[]> {
  const { events, next } = await trail.query({ patientId: cxOf(patient), types, limit: 1000 });
  if (next !== undefined) throw new Error(`more than 1000 consent events for ${patient}: narrow the test`);
  return events;
}

export function makeService(database: Database, options: { policy?: DecisionPolicy; clock?: () => Date } = {}): { service: ConsentService; audit: TrailAudit } {
  const audit = trailAudit(database);
  const service = new ConsentService({ repository: new ConsentRepository(database), audit: audit.sink, patients: directory, ...options });
  return { service, audit };
}
