// The platform's own tables.
import type { DomainMigration } from "./migrations";

export interface PlatformTables {
  /** Facts about this gateway instance, written once (see instance.ts). */
  platform_instance: { key: string; value: string; recorded_at: string };
}

export const platformMigrations: readonly DomainMigration[] = [
  {
    name: "202611271900_platform_instance",
    async up(db) {
      await db.schema
        .createTable("platform_instance")
        .addColumn("key", "text", (c) => c.primaryKey())
        .addColumn("value", "text", (c) => c.notNull())
        .addColumn("recorded_at", "text", (c) => c.notNull())
        .execute();
    },
    async down(db) {
      await db.schema.dropTable("platform_instance").execute();
    },
  },
];
