// The embedded national record system (DESIGN.md: national/ adapter "embedded store"): national FHIR
// bundles kept in the database, converted to the canonical model when read, with the prescriptions'
// dispensing state and the recorded dispensations (NationalRecords port, port.ts).
import { createHash } from "node:crypto";
import type { Kysely } from "kysely";
import type { Dispensation, Identifier, Patient, PatientSummary, Prescription } from "../canonical/model";
import { ErrorCode, PasserelleError } from "../shared/errors";
import type { Database } from "../storage/database";
import { isUniqueViolation } from "../storage/errors";
import { checkDispensable, currentStatus, packagesAsked } from "./dispensing";
import { patientSummaryFromFhir } from "./fhir/patient-summary";
import { prescriptionsFromFhir } from "./fhir/prescription";
import { LUXEMBOURG_PATIENT_ID, type NationalPatientIdRule } from "./patient-id";
import type { NationalTables } from "./migrations";
import type { DispensationReceipt, NationalRecords } from "./port";

type Db = Kysely<NationalTables>;
export type BundleType = "ps" | "ep";

export interface ImportResult {
  type: BundleType;
  /** The national patient identifier the records are kept under (the matricule in Luxembourg). */
  matricule: string;
  /** PS: the summary id; eP: the prescription ids. */
  ids: string[];
}

export interface EmbeddedStoreOptions {
  /** Clock for validity (expiry) and timestamps; tests inject one. */
  now?: () => Date;
  /** The national patient identifier records are keyed by (patient-id.ts; default: the Luxembourg matricule). */
  patientId?: NationalPatientIdRule;
}

function nationalIdOf(patient: Patient, rule: NationalPatientIdRule): string {
  const m = patient.ids.find((i) => i.system === rule.system)?.value;
  if (m === undefined) {
    throw new PasserelleError(ErrorCode.InputInvalid, `the patient has no ${rule.name} (identifier system urn:oid:${rule.system}); the national store needs it`, {
      location: "Patient.identifier",
    });
  }
  return rule.check(m, "Patient.identifier");
}

/** What a bundle is: an ePrescription bundle carries MedicationRequests and no Composition. */
export function detectBundleType(bundle: unknown): BundleType {
  const entries = (bundle as { entry?: { resource?: { resourceType?: string } }[] } | null)?.entry;
  const types = Array.isArray(entries) ? entries.map((e) => e?.resource?.resourceType) : [];
  return types.includes("MedicationRequest") && !types.includes("Composition") ? "ep" : "ps";
}

export class EmbeddedNationalStore implements NationalRecords {
  private readonly db: Db;
  private readonly now: () => Date;
  private readonly patientId: NationalPatientIdRule;

  constructor(database: Database, options: EmbeddedStoreOptions = {}) {
    this.db = database.tables<NationalTables>();
    this.now = options.now ?? (() => new Date());
    this.patientId = options.patientId ?? LUXEMBOURG_PATIENT_ID;
  }

  // ---- import -----------------------------------------------------------------------------------

  async importBundle(bundle: unknown, type: BundleType = detectBundleType(bundle)): Promise<ImportResult> {
    return type === "ps" ? this.importPatientSummary(bundle) : this.importPrescriptions(bundle);
  }

  /** Stores (or replaces) the patient's PS bundle; the bundle must convert. */
  async importPatientSummary(bundle: unknown): Promise<ImportResult> {
    const summary = patientSummaryFromFhir(bundle);
    const matricule = nationalIdOf(summary.patient, this.patientId);
    const at = this.now().toISOString();
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto("national_patients")
        .values({ matricule, patient_json: JSON.stringify(summary.patient), ps_bundle: JSON.stringify(bundle), ps_imported_at: at, updated_at: at })
        .onConflict((oc) => oc.column("matricule").doUpdateSet({ patient_json: JSON.stringify(summary.patient), ps_bundle: JSON.stringify(bundle), ps_imported_at: at, updated_at: at }))
        .execute();
      await indexIdentifiers(trx, matricule, summary.patient.ids);
    });
    return { type: "ps", matricule, ids: [summary.id] };
  }

  /** Stores (or replaces) an ePrescription bundle; the dispensing state of known items is kept. */
  async importPrescriptions(bundle: unknown): Promise<ImportResult> {
    const prescriptions = prescriptionsFromFhir(bundle);
    const patient = prescriptions[0]?.patient;
    if (!patient) throw new PasserelleError(ErrorCode.InputInvalid, "the bundle holds no prescription that can be offered", { location: "entry" });
    const matricule = nationalIdOf(patient, this.patientId);
    const text = JSON.stringify(bundle);
    const b = bundle as { identifier?: { value?: string }; id?: string };
    const bundleKey = b.identifier?.value ?? b.id ?? `sha256:${createHash("sha256").update(text).digest("hex")}`;
    const at = this.now().toISOString();
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto("national_patients")
        .values({ matricule, patient_json: JSON.stringify(patient), ps_bundle: null, ps_imported_at: null, updated_at: at })
        .onConflict((oc) => oc.column("matricule").doNothing())
        .execute();
      await indexIdentifiers(trx, matricule, patient.ids);
      const owner = await trx.selectFrom("national_ep_bundles").select("matricule").where("bundle_key", "=", bundleKey).executeTakeFirst();
      if (owner && owner.matricule !== matricule) throw conflict(`ePrescription bundle ${bundleKey} belongs to another patient`);
      await trx
        .insertInto("national_ep_bundles")
        .values({ bundle_key: bundleKey, matricule, bundle: text, imported_at: at })
        .onConflict((oc) => oc.column("bundle_key").doUpdateSet({ bundle: text, imported_at: at }))
        .execute();
      for (const p of prescriptions) {
        const existing = await trx.selectFrom("national_prescriptions").select("matricule").where("prescription_id", "=", p.id).executeTakeFirst();
        if (existing && existing.matricule !== matricule) throw conflict(`prescription ${p.id} belongs to another patient`);
        await trx
          .insertInto("national_prescriptions")
          .values({ prescription_id: p.id, matricule, bundle_key: bundleKey, issued: p.issued })
          .onConflict((oc) => oc.column("prescription_id").doUpdateSet({ bundle_key: bundleKey, issued: p.issued }))
          .execute();
        for (const item of p.items) await upsertItem(trx, p.id, item.id, item.packages);
      }
    });
    return { type: "ep", matricule, ids: prescriptions.map((p) => p.id) };
  }

  // ---- NationalRecords --------------------------------------------------------------------------

  async findPatient(id: Identifier): Promise<Patient | undefined> {
    const row = await this.db
      .selectFrom("national_patient_ids")
      .innerJoin("national_patients", "national_patients.matricule", "national_patient_ids.matricule")
      .select("national_patients.patient_json")
      .where("national_patient_ids.system", "=", id.system)
      .where("national_patient_ids.value", "=", id.value)
      .executeTakeFirst();
    return row ? (JSON.parse(row.patient_json) as Patient) : undefined;
  }

  async getPatientSummary(patientId: Identifier): Promise<PatientSummary | undefined> {
    const matricule = await this.matriculeFor(this.db, patientId);
    if (matricule === undefined) return undefined;
    const row = await this.db.selectFrom("national_patients").select("ps_bundle").where("matricule", "=", matricule).executeTakeFirst();
    return row?.ps_bundle ? patientSummaryFromFhir(JSON.parse(row.ps_bundle)) : undefined;
  }

  async listPrescriptions(patientId: Identifier): Promise<Prescription[]> {
    const matricule = await this.matriculeFor(this.db, patientId);
    if (matricule === undefined) return [];
    const rows = await this.db.selectFrom("national_prescriptions").select("prescription_id").where("matricule", "=", matricule).execute();
    const converted = new Map<string, Prescription[]>();
    const list = await Promise.all(rows.map((r) => this.loadPrescription(this.db, matricule, r.prescription_id, converted)));
    return list.filter((p): p is Prescription => p !== undefined).sort((a, b) => (a.issued < b.issued ? 1 : a.issued > b.issued ? -1 : 0));
  }

  async getPrescription(patientId: Identifier, prescriptionId: string): Promise<Prescription | undefined> {
    const matricule = await this.matriculeFor(this.db, patientId);
    return matricule === undefined ? undefined : this.loadPrescription(this.db, matricule, prescriptionId);
  }

  async recordDispensation(d: Dispensation): Promise<DispensationReceipt> {
    try {
      return await this.db.transaction().execute((trx) => this.record(trx, d));
    } catch (e) {
      // A concurrent submission of the same dispensation id won the insert: answer as a duplicate.
      if (isUniqueViolation(e)) return this.db.transaction().execute((trx) => this.record(trx, d));
      throw e;
    }
  }

  async discardDispensation(patientId: Identifier, dispensationId: string): Promise<DispensationReceipt> {
    return this.db.transaction().execute(async (trx) => {
      const matricule = await this.matriculeFor(trx, patientId);
      if (matricule === undefined) throw new PasserelleError(ErrorCode.PatientNotFound, `no patient with identifier ${patientId.system}/${patientId.value}`);
      const row = await trx.selectFrom("national_dispensations").selectAll().where("dispensation_id", "=", dispensationId).where("matricule", "=", matricule).executeTakeFirst();
      if (!row) throw new PasserelleError(ErrorCode.NotFound, `no dispensation ${dispensationId} recorded for this patient`, { dispensationId });
      if (row.discarded_at === null) {
        const items = JSON.parse(row.items_json) as [string, number][];
        for (const [itemId, packages] of items) {
          const res = await trx
            .updateTable("national_prescription_items")
            .set((eb) => ({ packages_dispensed: eb("packages_dispensed", "-", packages) }))
            .where("prescription_id", "=", row.prescription_id)
            .where("item_id", "=", itemId)
            .where("packages_dispensed", ">=", packages)
            .executeTakeFirst();
          if (res.numUpdatedRows !== 1n) throw new PasserelleError(ErrorCode.Internal, `dispensing state of item ${itemId} is inconsistent with dispensation ${dispensationId}`);
        }
        await trx.updateTable("national_dispensations").set({ discarded_at: this.now().toISOString() }).where("dispensation_id", "=", dispensationId).execute();
      }
      const p = await this.loadPrescription(trx, matricule, row.prescription_id);
      return {
        dispensationId,
        prescriptionId: row.prescription_id,
        prescriptionStatus: p ? p.status : "cancelled",
        recordedAt: row.recorded_at,
        duplicate: row.discarded_at !== null,
      };
    });
  }

  // ---- internals --------------------------------------------------------------------------------

  private async record(trx: Db, d: Dispensation): Promise<DispensationReceipt> {
    const matricule = await this.matriculeForAny(trx, d.patient.ids);
    if (matricule === undefined) throw new PasserelleError(ErrorCode.PatientNotFound, "the dispensation's patient is not known to the national records");
    const previous = await trx.selectFrom("national_dispensations").selectAll().where("dispensation_id", "=", d.id).executeTakeFirst();
    if (previous) {
      if (previous.prescription_id !== d.prescriptionId || previous.matricule !== matricule) {
        throw conflict(`dispensation id ${d.id} was already used for another prescription`);
      }
      if (previous.discarded_at !== null) throw conflict(`dispensation ${d.id} was discarded; a new dispensation needs a new id`);
      const p = await this.loadPrescription(trx, matricule, d.prescriptionId);
      return { dispensationId: d.id, prescriptionId: d.prescriptionId, prescriptionStatus: p!.status, recordedAt: previous.recorded_at, duplicate: true };
    }
    const p = await this.loadPrescription(trx, matricule, d.prescriptionId);
    if (!p) throw new PasserelleError(ErrorCode.EpNotFound, `no prescription ${d.prescriptionId} for this patient`, { prescriptionId: d.prescriptionId });
    const asked = packagesAsked(d);
    checkDispensable(p, p.status, asked);
    for (const [itemId, packages] of asked) {
      // Conditional update: never more than prescribed, even with a concurrent dispensation.
      const res = await trx
        .updateTable("national_prescription_items")
        .set((eb) => ({ packages_dispensed: eb("packages_dispensed", "+", packages) }))
        .where("prescription_id", "=", p.id)
        .where("item_id", "=", itemId)
        .where((eb) => eb(eb("packages_dispensed", "+", packages), "<=", eb.ref("packages")))
        .executeTakeFirst();
      if (res.numUpdatedRows !== 1n) {
        throw new PasserelleError(ErrorCode.DispensationInvalid, `item ${itemId} of prescription ${p.id}: ${packages} package(s) exceed what remains`, { prescriptionId: p.id, itemId });
      }
    }
    const recordedAt = this.now().toISOString();
    await trx
      .insertInto("national_dispensations")
      .values({
        dispensation_id: d.id,
        prescription_id: p.id,
        matricule,
        items_json: JSON.stringify([...asked.entries()]),
        dispensation_json: JSON.stringify(d),
        recorded_at: recordedAt,
        discarded_at: null,
      })
      .execute();
    const after = await this.loadPrescription(trx, matricule, p.id);
    return { dispensationId: d.id, prescriptionId: p.id, prescriptionStatus: after!.status, recordedAt, duplicate: false };
  }

  private async matriculeFor(db: Db, id: Identifier): Promise<string | undefined> {
    const row = await db.selectFrom("national_patient_ids").select("matricule").where("system", "=", id.system).where("value", "=", id.value).executeTakeFirst();
    return row?.matricule;
  }

  private async matriculeForAny(db: Db, ids: Identifier[]): Promise<string | undefined> {
    for (const id of ids) {
      const m = await this.matriculeFor(db, id);
      if (m !== undefined) return m;
    }
    return undefined;
  }

  /** The prescription converted from its stored bundle, with the store's dispensing state applied. */
  private async loadPrescription(db: Db, matricule: string, prescriptionId: string, converted?: Map<string, Prescription[]>): Promise<Prescription | undefined> {
    const row = await db
      .selectFrom("national_prescriptions")
      .innerJoin("national_ep_bundles", "national_ep_bundles.bundle_key", "national_prescriptions.bundle_key")
      .select(["national_ep_bundles.bundle", "national_ep_bundles.bundle_key"])
      .where("national_prescriptions.prescription_id", "=", prescriptionId)
      .where("national_prescriptions.matricule", "=", matricule)
      .executeTakeFirst();
    if (!row) return undefined;
    // One conversion per bundle when listing (a bundle holds several prescriptions).
    let all = converted?.get(row.bundle_key);
    if (!all) {
      all = prescriptionsFromFhir(JSON.parse(row.bundle));
      converted?.set(row.bundle_key, all);
    }
    const found = all.find((x) => x.id === prescriptionId);
    const p = found ? structuredClone(found) : undefined;
    if (!p) return undefined;
    const items = await db.selectFrom("national_prescription_items").select(["item_id", "packages_dispensed"]).where("prescription_id", "=", prescriptionId).execute();
    const dispensed = new Map(items.map((i) => [i.item_id, Number(i.packages_dispensed)]));
    for (const item of p.items) item.packagesDispensed = Math.max(item.packagesDispensed, dispensed.get(item.id) ?? 0);
    p.status = currentStatus(p, this.now());
    return p;
  }
}

function conflict(message: string): PasserelleError {
  return new PasserelleError(ErrorCode.Conflict, message);
}

async function indexIdentifiers(trx: Db, matricule: string, ids: Identifier[]): Promise<void> {
  for (const id of ids) {
    const owner = await trx.selectFrom("national_patient_ids").select("matricule").where("system", "=", id.system).where("value", "=", id.value).executeTakeFirst();
    if (owner && owner.matricule !== matricule) throw conflict(`identifier ${id.system}/${id.value} already belongs to another patient`);
    if (!owner) await trx.insertInto("national_patient_ids").values({ system: id.system, value: id.value, matricule }).execute();
  }
}

async function upsertItem(trx: Db, prescriptionId: string, itemId: string, packages: number): Promise<void> {
  const existing = await trx
    .selectFrom("national_prescription_items")
    .select("packages_dispensed")
    .where("prescription_id", "=", prescriptionId)
    .where("item_id", "=", itemId)
    .executeTakeFirst();
  if (!existing) {
    await trx.insertInto("national_prescription_items").values({ prescription_id: prescriptionId, item_id: itemId, packages, packages_dispensed: 0 }).execute();
    return;
  }
  if (Number(existing.packages_dispensed) > packages) {
    throw conflict(`prescription ${prescriptionId} item ${itemId}: ${existing.packages_dispensed} packages already dispensed, more than the ${packages} now prescribed`);
  }
  await trx.updateTable("national_prescription_items").set({ packages }).where("prescription_id", "=", prescriptionId).where("item_id", "=", itemId).execute();
}
