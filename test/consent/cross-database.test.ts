// Decisions are the same on SQLite and PostgreSQL for the same generated histories (issue 4): each
// generated history is written to both databases, read back from each, and every query is decided on
// the three copies (in memory, SQLite, PostgreSQL).
import { expect } from "chai";
import fc from "fast-check";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { decide } from "../../src/consent/decision";
import type { ConsentRecord } from "../../src/consent/model";
import { ConsentRepository } from "../../src/consent/repository";
import { openDatabase, type Database } from "../../src/storage/database";
import { ALL_MIGRATIONS } from "../../src/storage/migration-registry";
import { runMigrations } from "../../src/storage/migrations";
import { TEST_DATABASE_URL, freshSchemaName, postgresUnavailable } from "../helpers/databases";
import { histories, queries } from "./arbitraries";

describe("consent decisions on SQLite and PostgreSQL", function () {
  let sqlite: Database;
  let postgres: Database;
  let dir: string;
  let schema: string;

  before(async function () {
    const reason = await postgresUnavailable();
    if (reason !== undefined) {
      if (process.env.CI === "true") throw new Error(`PostgreSQL unreachable: ${reason}`);
      console.warn(`      ! PostgreSQL unreachable, skipping: ${reason}`);
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), "passerelle-consent-"));
    sqlite = await openDatabase({ dataDir: dir });
    schema = freshSchemaName();
    postgres = await openDatabase({ url: TEST_DATABASE_URL, dataDir: dir, schema, poolSize: 2 });
    await runMigrations(sqlite, ALL_MIGRATIONS);
    await runMigrations(postgres, ALL_MIGRATIONS);
  });

  after(async () => {
    await sqlite?.close();
    await postgres?.close();
    if (schema) {
      const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await admin.connect();
      await admin.query(`drop schema if exists "${schema}" cascade`);
      await admin.end();
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("decides identically for 300 generated histories x 20 queries each", async () => {
    let round = 0;
    await fc.assert(
      fc.asyncProperty(histories, fc.array(queries, { minLength: 20, maxLength: 20 }), async (generated, qs) => {
        round += 1;
        // Each round gets its own patients: suffix-free ids would collide across rounds.
        const h: ConsentRecord[] = generated.map((r) => ({ ...r, patient: `${r.patient}#${round}`, requestId: `${r.requestId}#${round}` }));
        const fromSqlite = await roundTrip(sqlite, h);
        const fromPostgres = await roundTrip(postgres, h);
        for (const query of qs) {
          const qr = { ...query, patient: `${query.patient}#${round}` };
          const expected = decide(h, qr);
          expect(decide(fromSqlite, qr), "SQLite").to.deep.equal(expected);
          expect(decide(fromPostgres, qr), "PostgreSQL").to.deep.equal(expected);
        }
      }),
      { numRuns: 300 },
    );
  });
});

async function roundTrip(database: Database, h: readonly ConsentRecord[]): Promise<ConsentRecord[]> {
  const repo = new ConsentRepository(database);
  await repo.insertMany(h);
  const patients = [...new Set(h.map((r) => r.patient))];
  const loaded = await repo.histories(patients);
  const all = [...loaded.values()].flat();
  const key = (r: ConsentRecord) => `${r.patient}/${String(r.version).padStart(3, "0")}`;
  const sorted = (rs: readonly ConsentRecord[]) => [...rs].sort((a, b) => (key(a) < key(b) ? -1 : 1));
  expect(sorted(all), `records read back from ${database.dialect}`).to.deep.equal(sorted(h));
  return all;
}
