// The national client registry (src/api/clients.ts): who may call `/api/...` on the 8444 listener.
// A client is pinned by the SHA-256 of its TLS certificate and/or holds a bearer token, of which only
// the SHA-256 is stored. Scopes are a sorted comma list ("consent:read,consent:write").
import type { DomainMigration } from "../storage/migrations";

export interface NationalClientTables {
  national_clients: {
    name: string;
    scopes: string;
    cert_sha256: string | null;
    cert_subject: string | null;
    cert_not_after: string | null;
    token_sha256: string | null;
    created_at: string;
    updated_at: string;
  };
}

export const nationalClientMigrations: readonly DomainMigration[] = [
  {
    name: "202611271945_api_national_clients",
    async up(db) {
      await db.schema
        .createTable("national_clients")
        .addColumn("name", "text", (c) => c.primaryKey())
        .addColumn("scopes", "text", (c) => c.notNull())
        .addColumn("cert_sha256", "text", (c) => c.unique())
        .addColumn("cert_subject", "text")
        .addColumn("cert_not_after", "text")
        .addColumn("token_sha256", "text", (c) => c.unique())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .execute();
    },
    async down(db) {
      await db.schema.dropTable("national_clients").execute();
    },
  },
];
