// Country A's tables: the documents offered to partners (uniqueId -> patient, kind, level, record:
// so a retrieve knows what it is about before reading anything, across restarts) and the received
// dispensations (idempotency on the eD uniqueId, the stored answer, deferred delivery state).
// Registered in src/storage/migration-registry.ts.
import type { DomainMigration } from "../storage/migrations";

export interface CountryATables {
  country_a_document: {
    unique_id: string;
    matricule: string;
    kind: string;
    level: string;
    source_id: string;
    offered_at: string;
  };
  country_a_dispensation: {
    /** XDS uniqueId of the submitted eD (or discard) document. */
    unique_id: string;
    operation: string;
    matricule: string;
    partner: string;
    prescription_id: string;
    /** pending | recorded | refused | deferred | delivered */
    state: string;
    dispensation_json: string;
    /** The answer given (JSON), replayed to a resubmission. */
    answer_json: string | null;
    received_at: string;
    updated_at: string;
    attempts: number;
  };
}

export const countryAMigrations: readonly DomainMigration[] = [
  {
    name: "202611272000_country_a",
    async up(db) {
      await db.schema
        .createTable("country_a_document")
        .addColumn("unique_id", "text", (c) => c.primaryKey())
        .addColumn("matricule", "text", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("level", "text", (c) => c.notNull())
        .addColumn("source_id", "text", (c) => c.notNull())
        .addColumn("offered_at", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("country_a_dispensation")
        .addColumn("unique_id", "text", (c) => c.primaryKey())
        .addColumn("operation", "text", (c) => c.notNull())
        .addColumn("matricule", "text", (c) => c.notNull())
        .addColumn("partner", "text", (c) => c.notNull())
        .addColumn("prescription_id", "text", (c) => c.notNull())
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("dispensation_json", "text", (c) => c.notNull())
        .addColumn("answer_json", "text")
        .addColumn("received_at", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex("country_a_dispensation_state").on("country_a_dispensation").column("state").execute();
    },
    async down(db) {
      await db.schema.dropTable("country_a_dispensation").execute();
      await db.schema.dropTable("country_a_document").execute();
    },
  },
];
