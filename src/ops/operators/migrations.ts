// Tables of the operator console (issue 7 "Operator access"):
//   - operator_accounts: name, role (viewer | operator | admin), scrypt hash with its parameters;
//   - operator_sessions: server-side sessions; the cookie carries a random id, the table only its
//     SHA-256 (a stolen database copy does not give live sessions), with the CSRF token and expiry.
import type { DomainMigration } from "../../storage/migrations";

export interface OperatorTables {
  operator_accounts: {
    name: string;
    role: string;
    password_hash: string;
    created_at: string;
    updated_at: string;
  };
  operator_sessions: {
    id_sha256: string;
    operator: string;
    csrf_token: string;
    created_at: string;
    last_seen_at: string;
    expires_at: string;
  };
}

export const operatorMigrations: readonly DomainMigration[] = [
  {
    name: "202611272000_operators_accounts_sessions",
    async up(db) {
      await db.schema
        .createTable("operator_accounts")
        .addColumn("name", "text", (c) => c.primaryKey())
        .addColumn("role", "text", (c) => c.notNull())
        .addColumn("password_hash", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("operator_sessions")
        .addColumn("id_sha256", "text", (c) => c.primaryKey())
        .addColumn("operator", "text", (c) => c.notNull().references("operator_accounts.name").onDelete("cascade"))
        .addColumn("csrf_token", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("last_seen_at", "text", (c) => c.notNull())
        .addColumn("expires_at", "text", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("operator_sessions_expiry").on("operator_sessions").columns(["expires_at"]).execute();
    },
    async down(db) {
      await db.schema.dropTable("operator_sessions").execute();
      await db.schema.dropTable("operator_accounts").execute();
    },
  },
];
