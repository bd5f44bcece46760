// The national record system, as the gateway sees it (DESIGN.md: national/ port + adapters).
// Adapters: the embedded store (database, seeded with demo patients) and FHIR-over-HTTP.
import type { Dispensation, Identifier, Patient, PatientSummary, Prescription } from "../canonical/model";

export interface DispensationReceipt {
  dispensationId: string;
  prescriptionId: string;
  /** The prescription's status after the dispensation was recorded. */
  prescriptionStatus: Prescription["status"];
  recordedAt: string;
  /** true when this dispensation id had already been recorded (idempotent resubmission). */
  duplicate: boolean;
}

export interface NationalRecords {
  /** The patient with this identifier, or undefined. */
  findPatient(id: Identifier): Promise<Patient | undefined>;
  /** The patient's current summary, or undefined when the patient has none. */
  getPatientSummary(patientId: Identifier): Promise<PatientSummary | undefined>;
  /** Prescriptions of the patient, dispensable or not, newest first. */
  listPrescriptions(patientId: Identifier): Promise<Prescription[]>;
  getPrescription(patientId: Identifier, prescriptionId: string): Promise<Prescription | undefined>;
  /** Record a dispensation against its prescription; idempotent on dispensation id. */
  recordDispensation(dispensation: Dispensation): Promise<DispensationReceipt>;
  /** Undo a recorded dispensation (eHDSI discard); the prescription becomes dispensable again. */
  discardDispensation(patientId: Identifier, dispensationId: string): Promise<DispensationReceipt>;
}
