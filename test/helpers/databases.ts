// Runs the same mocha suite on both storage drivers (DESIGN.md convention 10):
//   - SQLite: a fresh file in a temporary directory;
//   - PostgreSQL: TEST_DATABASE_URL or postgres://root@127.0.0.1:5432/test, each suite (or each
//     test, with scope "test") in its own fresh schema on the search_path, dropped afterwards.
// PostgreSQL unreachable: the suite is skipped with a visible message, except with CI=true where it
// fails (a missing database in CI is a failure, not a skip).
//
//     forEachDatabase("consent repository", (ctx) => {
//       it("stores a consent", async () => {
//         const repo = new ConsentRepository(ctx.database);
//         ...
//       });
//     });
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { openDatabase, type Database, type Dialect } from "../../src/storage/database";
import { runMigrations, type DomainMigration } from "../../src/storage/migrations";
import { ALL_MIGRATIONS } from "../../src/storage/migration-registry";

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? "postgres://root@127.0.0.1:5432/test";

export interface DatabaseTestContext {
  readonly dialect: Dialect;
  /** The database of the current suite (or test); available from the first `before`/`it` on. */
  readonly database: Database;
}

export interface ForEachDatabaseOptions {
  /** Migrations applied to each fresh database (default: every registered migration; [] for none). */
  migrations?: readonly DomainMigration[];
  /** "suite" (default): one database for the describe block; "test": a fresh one for every test. */
  scope?: "suite" | "test";
  /** Restrict to some dialects (default both). */
  dialects?: readonly Dialect[];
}

let postgresProbe: Promise<string | undefined> | undefined;

/** undefined when PostgreSQL answers, else the reason it does not. Probed once per process. */
export function postgresUnavailable(): Promise<string | undefined> {
  postgresProbe ??= (async () => {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query("select 1");
      return undefined;
    } catch (e) {
      return (e as Error).message || String(e);
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return postgresProbe;
}

let schemaCounter = 0;

/** A schema name unique to this process and call. */
export function freshSchemaName(): string {
  schemaCounter += 1;
  return `t_${process.pid}_${schemaCounter}_${Math.random().toString(36).slice(2, 8)}`;
}

interface Opened {
  database: Database;
  dispose(): Promise<void>;
}

async function openFresh(dialect: Dialect, migrations: readonly DomainMigration[]): Promise<Opened> {
  if (dialect === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "passerelle-db-"));
    const database = await openDatabase({ dataDir: dir });
    await runMigrations(database, migrations);
    return {
      database,
      async dispose() {
        await database.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = freshSchemaName();
  const database = await openDatabase({ url: TEST_DATABASE_URL, dataDir: tmpdir(), schema, poolSize: 4 });
  await runMigrations(database, migrations);
  return {
    database,
    async dispose() {
      await database.close();
      const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await admin.connect();
      try {
        await admin.query(`drop schema if exists "${schema}" cascade`);
      } finally {
        await admin.end();
      }
    },
  };
}

export function forEachDatabase(title: string, body: (ctx: DatabaseTestContext) => void, options: ForEachDatabaseOptions = {}): void {
  const migrations = options.migrations ?? ALL_MIGRATIONS;
  const scope = options.scope ?? "suite";
  for (const dialect of options.dialects ?? (["sqlite", "postgres"] as const)) {
    describe(`${title} [${dialect}]`, function () {
      let current: Opened | undefined;
      const ctx: DatabaseTestContext = {
        dialect,
        get database(): Database {
          if (!current) throw new Error("the test database is opened in a before/beforeEach hook; use ctx.database inside hooks or tests");
          return current.database;
        },
      };

      before(async function () {
        if (dialect !== "postgres") return;
        const reason = await postgresUnavailable();
        if (reason === undefined) return;
        if (process.env.CI === "true") throw new Error(`PostgreSQL unreachable at ${TEST_DATABASE_URL} (CI=true: failing, not skipping): ${reason}`);
        console.warn(`      ! PostgreSQL unreachable at ${TEST_DATABASE_URL}, skipping "${title}": ${reason}`);
        this.skip();
      });

      const open = async () => {
        current = await openFresh(dialect, migrations);
      };
      const dispose = async () => {
        const done = current;
        current = undefined;
        await done?.dispose();
      };
      if (scope === "suite") {
        before(open);
        after(dispose);
      } else {
        beforeEach(open);
        afterEach(dispose);
      }

      body(ctx);
    });
  }
}
