// The replay cache of inbound messages (issue 3: "the cache survives restart"). Registered in
// src/storage/migration-registry.ts.
import type { DomainMigration } from "../storage/migrations";

export interface SamlTables {
  saml_seen_message: {
    /** WS-Addressing MessageID of an accepted request. */
    message_id: string;
    /** Partner that sent it. */
    country: string;
    seen_at: string;
    /** Until when a second use is a replay: the latest NotOnOrAfter of its assertions (+ skew). */
    expires_at: string;
  };
}

export const samlMigrations: readonly DomainMigration[] = [
  {
    name: "202611271945_saml_seen_message",
    async up(db) {
      await db.schema
        .createTable("saml_seen_message")
        .addColumn("message_id", "text", (c) => c.primaryKey())
        .addColumn("country", "text", (c) => c.notNull())
        .addColumn("seen_at", "text", (c) => c.notNull())
        .addColumn("expires_at", "text", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("saml_seen_message_expires").on("saml_seen_message").column("expires_at").execute();
    },
    async down(db) {
      await db.schema.dropTable("saml_seen_message").execute();
    },
  },
];
