// Database errors the domains react to, recognised on both drivers (storage/database.ts): PostgreSQL
// SQLSTATE 23505 unique_violation; SQLite extended result codes SQLITE_CONSTRAINT_PRIMARYKEY and
// SQLITE_CONSTRAINT_UNIQUE (better-sqlite3 puts them in `code`).

/** A primary-key or unique constraint violation, on either dialect. */
export function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === "23505" || code === "SQLITE_CONSTRAINT_PRIMARYKEY" || code === "SQLITE_CONSTRAINT_UNIQUE";
}
