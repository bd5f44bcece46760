// A database made before consent audited in the hash-chained trail (with the stop-gap table
// audit_events, holding rows) starts with today's migrations: the table is dropped, the old migration
// stays applied, and the runner does not refuse the database.
import { expect } from "chai";
import { sql } from "kysely";
import type { Database } from "../../src/storage/database";
import { ALL_MIGRATIONS } from "../../src/storage/migration-registry";
import { runMigrations } from "../../src/storage/migrations";
import { forEachDatabase } from "../helpers/databases";

const DROP = "202611272030_consent_drop_stopgap_audit";

forEachDatabase(
  "consent migrations: the stop-gap audit table",
  (ctx) => {
    it("is dropped from a database an earlier run made, rows and all", async () => {
      const before = ALL_MIGRATIONS.filter((m) => m.name !== DROP);
      expect(before).to.have.length(ALL_MIGRATIONS.length - 1);
      await runMigrations(ctx.database, before);
      await sql`insert into audit_events (recorded_at, domain, type, payload) values (${new Date().toISOString()}, 'consent', 'consent-decision', '{}')`.execute(ctx.database.db);
      expect(await tableNames(ctx)).to.include("audit_events");

      const report = await runMigrations(ctx.database, ALL_MIGRATIONS);
      expect(report.applied).to.deep.equal([DROP]);
      expect(report.total).to.equal(ALL_MIGRATIONS.length);
      expect(await tableNames(ctx)).to.not.include("audit_events");
      expect(await tableNames(ctx)).to.include.members(["consent_records", "audit_trail"]);
      // Starting again applies nothing and refuses nothing.
      expect((await runMigrations(ctx.database, ALL_MIGRATIONS)).applied).to.deep.equal([]);
    });
  },
  { migrations: [], scope: "test" },
);

async function tableNames({ database }: { database: Database }): Promise<string[]> {
  const { rows } =
    database.dialect === "sqlite"
      ? await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(database.db)
      : await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema()`.execute(database.db);
  return rows.map((r) => r.name);
}
