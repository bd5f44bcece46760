// Shared test builders for consent commands and services on a real database.
import { makeMatricule } from "../../src/national/matricule";
import { TableAuditSink } from "../../src/consent/audit-table";
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

export function makeService(database: Database, options: { policy?: DecisionPolicy; clock?: () => Date } = {}): { service: ConsentService; audit: TableAuditSink } {
  const audit = new TableAuditSink(database);
  const service = new ConsentService({ repository: new ConsentRepository(database), audit, patients: directory, ...options });
  return { service, audit };
}
