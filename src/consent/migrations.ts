// Tables of the consent registry (issue 4): the append-only history, one row per version.
// Column conventions: database.ts (ISO UTC text timestamps). Scopes are stored as sorted comma
// lists ("ep,ps"; "ALL" or "BE,FR"), compact for the million-record imports.
import { sql } from "kysely";
import type { DomainMigration, MigrationContext, MigrationDb } from "../storage/migrations";
import { addAutoIncrementId } from "../storage/migrations";

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
  {
    // Append-only audit events of the consent domain, until src/audit/ provided the gateway's trail
    // (dropped by 202611272030_consent_drop_stopgap_audit). Kept: databases made by earlier runs have it
    // applied, and the runner refuses to start when an applied migration is missing.
    name: "202611271911_consent_audit_events",
    up: createStopgapAuditTable,
    async down(db) {
      await db.schema.dropTable("audit_events").execute();
    },
  },
  {
    // Consent now audits in the gateway's hash-chained trail (src/audit/, TrailConsentAuditSink); the
    // stop-gap table is no longer written nor read. Its rows are dropped with it: they were never part
    // of the chain, so keeping them would suggest evidence the trail cannot vouch for.
    name: "202611272030_consent_drop_stopgap_audit",
    async up(db) {
      await db.schema.dropTable("audit_events").ifExists().execute();
    },
    // Back to the state before this migration: the (empty) stop-gap table.
    down: createStopgapAuditTable,
  },
];

/** The stop-gap table of 202611271911_consent_audit_events (generic columns, one row per event). */
async function createStopgapAuditTable(db: MigrationDb, ctx: MigrationContext): Promise<void> {
  await addAutoIncrementId(db.schema.createTable("audit_events"), ctx)
    .addColumn("recorded_at", "text", (c) => c.notNull())
    .addColumn("domain", "text", (c) => c.notNull())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("patient", "text")
    .addColumn("outcome", "text")
    .addColumn("reason", "text")
    .addColumn("emergency", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("correlation_id", "text")
    .addColumn("payload", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("audit_events_patient").on("audit_events").columns(["patient", "id"]).execute();
}

function sqlIn(column: string, values: readonly string[]) {
  return sql`${sql.ref(column)} in (${sql.join(values.map((v) => sql.lit(v)))})`;
}
