// Tables of the partner registry (DESIGN.md "exchange/ ... partners"). Registered in
// src/storage/migration-registry.ts.
import type { DomainMigration } from "../../storage/migrations";

export interface PartnerTables {
  partner: {
    country: string;
    home_community_id: string;
    /** JSON object service -> URL. */
    endpoints: string;
    updated_at: string;
  };
  partner_certificate: {
    country: string;
    usage: string;
    kind: string;
    sha256: string;
    pem: string;
    subject: string;
    not_before: string;
    not_after: string;
  };
}

export const partnerMigrations: readonly DomainMigration[] = [
  {
    name: "202611271930_partners_create_partner",
    async up(db) {
      await db.schema
        .createTable("partner")
        .addColumn("country", "text", (c) => c.primaryKey())
        .addColumn("home_community_id", "text", (c) => c.notNull().unique())
        .addColumn("endpoints", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("partner_certificate")
        .addColumn("country", "text", (c) => c.notNull().references("partner.country").onDelete("cascade"))
        .addColumn("usage", "text", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("sha256", "text", (c) => c.notNull())
        .addColumn("pem", "text", (c) => c.notNull())
        .addColumn("subject", "text", (c) => c.notNull())
        .addColumn("not_before", "text", (c) => c.notNull())
        .addColumn("not_after", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("partner_certificate_pk", ["country", "usage", "sha256"])
        .execute();
    },
    async down(db) {
      await db.schema.dropTable("partner_certificate").execute();
      await db.schema.dropTable("partner").execute();
    },
  },
];
