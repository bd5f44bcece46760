// Tables of the consent registry (issue 4): the append-only history, one row per version.
// Column conventions: database.ts (ISO UTC text timestamps). Scopes are stored as sorted comma
// lists ("ep,ps"; "ALL" or "BE,FR"), compact for the million-record imports.
import { sql } from "kysely";
import type { DomainMigration } from "../storage/migrations";

export interface ConsentTables {
  consent_records: {
    patient: string;
    version: number;
    action: string;
    services: string;
    countries: string;
    valid_from: string | null;
    valid_until: string | null;
    source: string;
    recorded_by: string;
    recorded_at: string;
    request_id: string;
  };
}

export const consentMigrations: readonly DomainMigration[] = [
  {
    name: "202611271910_consent_records",
    async up(db) {
      await db.schema
        .createTable("consent_records")
        .addColumn("patient", "text", (c) => c.notNull())
        .addColumn("version", "integer", (c) => c.notNull())
        .addColumn("action", "text", (c) => c.notNull().check(sqlIn("action", ["grant", "revoke"])))
        .addColumn("services", "text", (c) => c.notNull())
        .addColumn("countries", "text", (c) => c.notNull())
        .addColumn("valid_from", "text")
        .addColumn("valid_until", "text")
        .addColumn("source", "text", (c) => c.notNull())
        .addColumn("recorded_by", "text", (c) => c.notNull())
        .addColumn("recorded_at", "text", (c) => c.notNull())
        .addColumn("request_id", "text", (c) => c.notNull().unique())
        // Versions are per patient and never reused: two concurrent writers cannot both get version n.
        .addPrimaryKeyConstraint("consent_records_pk", ["patient", "version"])
        .execute();
    },
    async down(db) {
      await db.schema.dropTable("consent_records").execute();
    },
  },
];

function sqlIn(column: string, values: readonly string[]) {
  return sql`${sql.ref(column)} in (${sql.join(values.map((v) => sql.lit(v)))})`;
}
