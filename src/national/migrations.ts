// Tables of the embedded national record store (DESIGN.md: national/ embedded adapter). The source
// bundles are kept as given (JSON text) and converted when read; the dispensing state and the
// recorded dispensations are the store's own. Column conventions: src/storage/database.ts.
import { sql } from "kysely";
import type { DomainMigration } from "../storage/migrations";

export interface NationalTables {
  /** One row per patient, keyed by matricule; the latest imported PS bundle. */
  national_patients: {
    matricule: string;
    patient_json: string;
    ps_bundle: string | null;
    ps_imported_at: string | null;
    updated_at: string;
  };
  /** Every identifier of a patient (matricule included) -> matricule. */
  national_patient_ids: { system: string; value: string; matricule: string };
  /** Imported ePrescription bundles, keyed by bundle identifier (re-import replaces). */
  national_ep_bundles: { bundle_key: string; matricule: string; bundle: string; imported_at: string };
  national_prescriptions: { prescription_id: string; matricule: string; bundle_key: string; issued: string };
  /** Dispensing state of each prescription item: packages dispensed so far (never above `packages`). */
  national_prescription_items: { prescription_id: string; item_id: string; packages: number; packages_dispensed: number };
  /** Recorded dispensations; `discarded_at` set by an eHDSI discard (packages restored). */
  national_dispensations: {
    dispensation_id: string;
    prescription_id: string;
    matricule: string;
    items_json: string;
    dispensation_json: string;
    recorded_at: string;
    discarded_at: string | null;
  };
}

export const nationalMigrations: readonly DomainMigration[] = [
  {
    name: "202611271930_national_records",
    async up(db) {
      await db.schema
        .createTable("national_patients")
        .addColumn("matricule", "text", (c) => c.primaryKey())
        .addColumn("patient_json", "text", (c) => c.notNull())
        .addColumn("ps_bundle", "text")
        .addColumn("ps_imported_at", "text")
        .addColumn("updated_at", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("national_patient_ids")
        .addColumn("system", "text", (c) => c.notNull())
        .addColumn("value", "text", (c) => c.notNull())
        .addColumn("matricule", "text", (c) => c.notNull().references("national_patients.matricule"))
        .addPrimaryKeyConstraint("national_patient_ids_pk", ["system", "value"])
        .execute();
      await db.schema
        .createTable("national_ep_bundles")
        .addColumn("bundle_key", "text", (c) => c.primaryKey())
        .addColumn("matricule", "text", (c) => c.notNull().references("national_patients.matricule"))
        .addColumn("bundle", "text", (c) => c.notNull())
        .addColumn("imported_at", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("national_prescriptions")
        .addColumn("prescription_id", "text", (c) => c.primaryKey())
        .addColumn("matricule", "text", (c) => c.notNull().references("national_patients.matricule"))
        .addColumn("bundle_key", "text", (c) => c.notNull().references("national_ep_bundles.bundle_key"))
        .addColumn("issued", "text", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("national_prescriptions_patient").on("national_prescriptions").columns(["matricule", "issued"]).execute();
      await db.schema
        .createTable("national_prescription_items")
        .addColumn("prescription_id", "text", (c) => c.notNull().references("national_prescriptions.prescription_id"))
        .addColumn("item_id", "text", (c) => c.notNull())
        .addColumn("packages", "integer", (c) => c.notNull())
        .addColumn("packages_dispensed", "integer", (c) => c.notNull())
        .addPrimaryKeyConstraint("national_prescription_items_pk", ["prescription_id", "item_id"])
        .addCheckConstraint("national_items_dispensed_range", sqlRange())
        .execute();
      await db.schema
        .createTable("national_dispensations")
        .addColumn("dispensation_id", "text", (c) => c.primaryKey())
        .addColumn("prescription_id", "text", (c) => c.notNull().references("national_prescriptions.prescription_id"))
        .addColumn("matricule", "text", (c) => c.notNull())
        .addColumn("items_json", "text", (c) => c.notNull())
        .addColumn("dispensation_json", "text", (c) => c.notNull())
        .addColumn("recorded_at", "text", (c) => c.notNull())
        .addColumn("discarded_at", "text")
        .execute();
    },
    async down(db) {
      for (const t of ["national_dispensations", "national_prescription_items", "national_prescriptions", "national_ep_bundles", "national_patient_ids", "national_patients"]) {
        await db.schema.dropTable(t).execute();
      }
    },
  },
];

/** The database itself refuses over-dispensing, whatever the code path. */
function sqlRange() {
  return sql`packages_dispensed >= 0 and packages_dispensed <= packages`;
}
