// The one database handle of the gateway: kysely over SQLite (embedded default, a file under the data
// directory) or PostgreSQL (production, when a DATABASE_URL is given). DESIGN.md "Real components".
//
// How a domain types its tables
// -----------------------------
// There is no global schema interface. Each domain declares the tables it owns, and its repository
// asks the handle for a Kysely typed with them:
//
//     interface ConsentTables { consent: { id: string; patient_id: string; given_at: string } }
//     const db = database.tables<ConsentTables>();   // Kysely<ConsentTables>
//     await db.selectFrom("consent").selectAll().execute();
//
// (Use kysely's `Generated<number>` for a column the database fills, e.g. an auto-increment id.)
//
// Column conventions, so the same query runs on both dialects:
//   - timestamps: ISO 8601 UTC text (`new Date().toISOString()`), which sorts correctly as text;
//   - JSON: text (JSON.stringify / JSON.parse in the repository);
//   - booleans: integer 0/1;
//   - integers: `integer`, or `bigint` for counters; both come back as JS numbers on both dialects
//     (PostgreSQL int8 is parsed to a number here, refusing values beyond Number.MAX_SAFE_INTEGER);
//   - binary: see `binaryType()` in migrations.ts.
// Tables are created by migrations (migrations.ts, registry in migration-registry.ts).
import SQLite from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect, sql } from "kysely";
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import pg from "pg";
import { ErrorCode, PasserelleError } from "../shared/errors";

export type Dialect = "sqlite" | "postgres";

export interface Database {
  readonly dialect: Dialect;
  /** PostgreSQL: the schema tables live in (current_schema()); SQLite: undefined. */
  readonly schema: string | undefined;
  /** Where the data is: the SQLite file path, or the PostgreSQL URL without its password. */
  readonly location: string;
  /** The untyped handle (migrations, raw SQL). Repositories should prefer `tables<T>()`. */
  readonly db: Kysely<object>;
  /** A Kysely typed with the caller's own table interfaces (shares the connection pool). */
  tables<T extends object>(): Kysely<T>;
  /** Throws when the database cannot answer `select 1`. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** PostgreSQL connection URL; unset = SQLite. */
  url?: string | undefined;
  /** Directory of the SQLite file `passerelle.sqlite` (created if missing). */
  dataDir: string;
  /** PostgreSQL only: schema to use (created if missing) and put first on the search_path. */
  schema?: string | undefined;
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
}

export const SQLITE_FILE_NAME = "passerelle.sqlite";
const SQLITE_BUSY_TIMEOUT_MS = 5000;
const PG_INT8_OID = 20;
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  return options.url ? openPostgres(options.url, options) : openSqlite(options.dataDir);
}

function openSqlite(dataDir: string): Database {
  mkdirSync(dataDir, { recursive: true });
  const file = resolve(dataDir, SQLITE_FILE_NAME);
  let native: SQLite.Database;
  try {
    native = new SQLite(file);
  } catch (e) {
    throw new PasserelleError(ErrorCode.ConfigInvalid, `cannot open SQLite database ${file}: ${(e as Error).message}`, {}, { cause: e });
  }
  native.pragma("journal_mode = WAL");
  native.pragma("foreign_keys = ON");
  native.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  native.pragma("synchronous = NORMAL"); // safe with WAL: a crash may lose the last commit, never corrupt
  const db = new Kysely<object>({ dialect: new SqliteDialect({ database: native }) });
  return handle("sqlite", undefined, file, db);
}

async function openPostgres(url: string, options: OpenDatabaseOptions): Promise<Database> {
  const schema = options.schema;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new PasserelleError(ErrorCode.ConfigInvalid, `invalid PostgreSQL schema name: ${schema}`);
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 10_000,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
    types: { getTypeParser: ((oid: number, format?: "text" | "binary") => (oid === PG_INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, format))) as typeof pg.types.getTypeParser },
  });
  const db = new Kysely<object>({ dialect: new PostgresDialect({ pool }) });
  try {
    if (schema) await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
    const row = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
    const current = row.rows[0]?.schema;
    if (!current) throw new Error("no current schema (search_path names no existing schema)");
    return handle("postgres", current, redactUrl(url), db);
  } catch (e) {
    await db.destroy();
    throw new PasserelleError(ErrorCode.ConfigInvalid, `cannot open PostgreSQL database ${redactUrl(url)}: ${(e as Error).message}`, {}, { cause: e });
  }
}

function handle(dialect: Dialect, schema: string | undefined, location: string, db: Kysely<object>): Database {
  let closed = false;
  return {
    dialect,
    schema,
    location,
    db,
    tables<T extends object>() {
      return db as unknown as Kysely<T>;
    },
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}

function parseInt8(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new PasserelleError(ErrorCode.Internal, `PostgreSQL bigint ${value} exceeds the safe integer range`);
  return n;
}

/** The URL without its password, for logs and readiness reports. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparsable database URL)";
  }
}
