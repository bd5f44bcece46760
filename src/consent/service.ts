// ConsentService: the registry and the decision together, as the rest of the gateway uses them.
// - histories are cached per patient (bounded, least recently used out) and dropped on every write
//   this process makes; a load that raced with a write is not cached (a write counter).
//   A write made by ANOTHER process (the CLI, a second gateway instance) is seen once the entry's
//   time to live has passed (cacheTtlMs, default 5 s): that bounds how long a revocation can lag;
// - every decision, permit and deny, goes to the audit trail with its reason before it is returned;
// - a change is refused for a patient the national record system does not know (when a directory
//   is given) and for everything planAppend() refuses.
import { LUXEMBOURG_PATIENT_ID, type NationalPatientIdRule } from "../national/patient-id";
import type { NationalRecords } from "../national/port";
import type { AuditSink } from "./audit";
import { checkPatientId, parseCommand } from "./command";
import { decide, toEpochMs } from "./decision";
import { ConsentProblem, consentError } from "./errors";
import type { ConsentCommand, ConsentRecord, Decision, DecisionPolicy, DecisionQuery } from "./model";
import { DEFAULT_DECISION_POLICY } from "./model";
import { type ConsentState, stateAt } from "./registry-rules";
import type { AppendResult, ConsentRepository } from "./repository";

/** Does the national record system know this patient? */
export interface PatientDirectory {
  exists(patient: string): Promise<boolean>;
}

/** A PatientDirectory over the national records port (identifier system: default the matricule's OID). */
export function nationalPatientDirectory(national: NationalRecords, system: string = LUXEMBOURG_PATIENT_ID.system): PatientDirectory {
  return { exists: async (patient) => (await national.findPatient({ system, value: patient })) !== undefined };
}

export interface ConsentServiceOptions {
  readonly repository: ConsentRepository;
  readonly audit: AuditSink;
  readonly policy?: DecisionPolicy;
  /** The patient ids consent speaks of: the configured country's (nationalPatientIdRuleOf); default the matricule. */
  readonly patientIds?: NationalPatientIdRule;
  /** When given, changes for patients it does not know are refused (CONSENT_PATIENT_UNKNOWN). */
  readonly patients?: PatientDirectory;
  /** Patients whose history stays cached (default 100 000). */
  readonly cacheSize?: number;
  /** How long a cached history is trusted, ms (default 5000; 0 = no cache). */
  readonly cacheTtlMs?: number;
  readonly clock?: () => Date;
}

export interface CurrentConsent {
  readonly patient: string;
  readonly at: string;
  readonly state: ConsentState;
  readonly history: readonly ConsentRecord[];
}

export class ConsentService {
  readonly repository: ConsentRepository;
  readonly policy: DecisionPolicy;
  readonly patientIds: NationalPatientIdRule;
  private readonly audit: AuditSink;
  private readonly patients: PatientDirectory | undefined;
  private readonly cacheSize: number;
  private readonly cacheTtlMs: number;
  private readonly clock: () => Date;
  private readonly cache = new Map<string, { readonly history: readonly ConsentRecord[]; readonly loadedAt: number }>();
  /** Bumped by every write: a history loaded across a write is returned but not cached. */
  private writeEpoch = 0;

  constructor(options: ConsentServiceOptions) {
    this.repository = options.repository;
    this.audit = options.audit;
    this.policy = options.policy ?? DEFAULT_DECISION_POLICY;
    this.patientIds = options.patientIds ?? LUXEMBOURG_PATIENT_ID;
    this.patients = options.patients;
    this.cacheSize = options.cacheSize ?? 100_000;
    this.cacheTtlMs = options.cacheTtlMs ?? 5000;
    this.clock = options.clock ?? (() => new Date());
  }

  /** The patient's history, oldest first (cached). */
  async history(patient: string): Promise<readonly ConsentRecord[]> {
    const hit = this.cache.get(patient);
    const now = this.clock().getTime();
    const age = hit ? now - hit.loadedAt : -1;
    // A clock that went backwards (age < 0) expires the entry rather than extending it.
    if (hit && age >= 0 && age < this.cacheTtlMs) {
      // Refresh recency: Map keeps insertion order, the oldest entry is evicted first.
      this.cache.delete(patient);
      this.cache.set(patient, hit);
      return hit.history;
    }
    const epochBefore = this.writeEpoch;
    const loaded = Object.freeze(await this.repository.history(patient));
    if (this.cacheTtlMs > 0 && this.writeEpoch === epochBefore) {
      this.cache.delete(patient);
      this.cache.set(patient, { history: loaded, loadedAt: now });
      if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value as string);
    }
    return loaded;
  }

  /** Drops cached histories: one patient's, or all (after a bulk import). */
  invalidate(patient?: string): void {
    this.writeEpoch += 1;
    if (patient === undefined) this.cache.clear();
    else this.cache.delete(patient);
  }

  /** Decides and records the decision in the audit trail (permit and deny alike). */
  async check(query: DecisionQuery, context: { correlationId?: string } = {}): Promise<Decision> {
    const history = await this.history(query.patient);
    const decision = decide(history, query, this.policy);
    await this.audit.record({
      type: "consent-decision",
      at: this.clock().toISOString(),
      patient: query.patient,
      country: query.country,
      service: query.service,
      purpose: query.purpose,
      permit: decision.permit,
      reason: decision.reason,
      grantVersion: decision.permit ? decision.grantVersion : null,
      emergencyOverride: decision.permit && decision.emergencyOverride,
      ...(decision.permit && decision.emergencyOverride ? { deniedReason: decision.deniedReason } : {}),
      ...(context.correlationId ? { correlationId: context.correlationId } : {}),
    });
    return decision;
  }

  async current(patient: string, at: Date | string = this.clock()): Promise<CurrentConsent> {
    const t = toEpochMs(typeof at === "string" ? at : at.getTime());
    const history = await this.history(patient);
    return { patient, at: new Date(t).toISOString(), state: stateAt(history, patient, t), history };
  }

  /** Validates raw input (REST body, CLI) and records it. */
  async recordRaw(raw: unknown, context: { correlationId?: string; expectedVersion?: number } = {}): Promise<AppendResult> {
    const { command, expectedVersion } = parseCommand(raw, this.patientIds);
    return this.record(command, { ...context, expectedVersion: context.expectedVersion ?? expectedVersion });
  }

  /** Records a grant or revocation (or answers a replayed request id again). */
  async record(
    command: ConsentCommand,
    context: { correlationId?: string; expectedVersion?: number | undefined; /** The caller vouches for the patient (demo seed). */ skipPatientCheck?: boolean } = {},
  ): Promise<AppendResult> {
    if (!context.skipPatientCheck) await this.assertKnownPatient(command.patient);
    const result = await this.repository.append(command, { expectedVersion: context.expectedVersion, now: () => this.clock().toISOString() });
    if (!result.replayed) {
      this.invalidate(command.patient);
      await this.audit.record({
        type: "consent-change",
        at: result.record.recordedAt,
        patient: command.patient,
        action: command.action,
        version: result.record.version,
        requestId: command.requestId,
        recordedBy: command.recordedBy,
        source: command.source,
        ...(context.correlationId ? { correlationId: context.correlationId } : {}),
      });
    }
    return result;
  }

  /** The patient id when it passes the configured country's rule; a consent error otherwise. */
  checkPatientId(patient: string, location = "/patient"): string {
    return checkPatientId(patient, this.patientIds, location);
  }

  async assertKnownPatient(patient: string): Promise<void> {
    if (this.patients && !(await this.patients.exists(patient))) {
      throw consentError(ConsentProblem.PatientUnknown, `patient ${patient} is not known to the national record system`, { location: "/patient" });
    }
  }

  /** For the bulk import (import.ts). */
  get patientDirectory(): PatientDirectory | undefined {
    return this.patients;
  }

  get auditSink(): AuditSink {
    return this.audit;
  }

  now(): Date {
    return this.clock();
  }
}
