// Operator accounts and their server-side sessions (issue 7 "Operator access").
// Roles: viewer (reads every page but raw messages), operator (also raw messages and replays),
// admin (everything an operator may; reserved for account administration).
import { createHash, randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import { ErrorCode, PasserelleError } from "../../shared/errors";
import type { Database } from "../../storage/database";
import type { OperatorTables } from "./migrations";
import { checkPasswordPolicy, decoyHash, hashPassword, verifyPassword } from "./password";

export const OPERATOR_ROLES = ["viewer", "operator", "admin"] as const;
export type OperatorRole = (typeof OPERATOR_ROLES)[number];

/** Operator names: what a person types at login and what the audit trail shows as userId. */
export const OPERATOR_NAME = /^[a-z][a-z0-9._-]{1,63}$/;

export interface OperatorAccount {
  readonly name: string;
  readonly role: OperatorRole;
  readonly createdAt: string;
}

export interface OperatorSession {
  readonly operator: string;
  readonly role: OperatorRole;
  readonly csrfToken: string;
  readonly expiresAt: string;
}

export interface SessionLifetimes {
  /** A session idle this long ends (default 30 min). */
  readonly idleMs: number;
  /** A session ends this long after login whatever the activity (default 8 h). */
  readonly absoluteMs: number;
}

export const DEFAULT_SESSION_LIFETIMES: SessionLifetimes = { idleMs: 30 * 60_000, absoluteMs: 8 * 3600_000 };

export function isOperatorRole(value: string): value is OperatorRole {
  return (OPERATOR_ROLES as readonly string[]).includes(value);
}

/** What each role may do beyond reading the console. */
export function mayReplay(role: OperatorRole): boolean {
  return role === "operator" || role === "admin";
}
export const maySeeRawMessages = mayReplay;

function sha256(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}

export class OperatorAccounts {
  readonly #db: Kysely<OperatorTables>;
  readonly #lifetimes: SessionLifetimes;

  constructor(database: Database, lifetimes: SessionLifetimes = DEFAULT_SESSION_LIFETIMES) {
    this.#db = database.tables<OperatorTables>();
    this.#lifetimes = lifetimes;
  }

  /** Creates the account, or replaces the role and password of an existing one. */
  async add(name: string, role: string, password: string): Promise<{ created: boolean }> {
    if (!OPERATOR_NAME.test(name)) throw new PasserelleError(ErrorCode.InputInvalid, `operator name must match ${OPERATOR_NAME.source}`);
    if (!isOperatorRole(role)) throw new PasserelleError(ErrorCode.InputInvalid, `role must be one of ${OPERATOR_ROLES.join(", ")}`);
    checkPasswordPolicy(password);
    const hash = await hashPassword(password);
    const now = new Date().toISOString();
    const existing = await this.#db.selectFrom("operator_accounts").select("name").where("name", "=", name).executeTakeFirst();
    if (existing) {
      await this.#db.updateTable("operator_accounts").set({ role, password_hash: hash, updated_at: now }).where("name", "=", name).execute();
      // A new password ends the sessions opened with the old one.
      await this.#db.deleteFrom("operator_sessions").where("operator", "=", name).execute();
      return { created: false };
    }
    await this.#db.insertInto("operator_accounts").values({ name, role, password_hash: hash, created_at: now, updated_at: now }).execute();
    return { created: true };
  }

  async list(): Promise<OperatorAccount[]> {
    const rows = await this.#db.selectFrom("operator_accounts").select(["name", "role", "created_at"]).orderBy("name").execute();
    return rows.map((r) => ({ name: r.name, role: isOperatorRole(r.role) ? r.role : "viewer", createdAt: r.created_at }));
  }

  async count(): Promise<number> {
    const row = await this.#db.selectFrom("operator_accounts").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Removes the account and its sessions; NOT_FOUND when there is none. */
  async remove(name: string): Promise<void> {
    await this.#db.deleteFrom("operator_sessions").where("operator", "=", name).execute();
    const r = await this.#db.deleteFrom("operator_accounts").where("name", "=", name).executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) throw new PasserelleError(ErrorCode.NotFound, `no operator named ${JSON.stringify(name)}`);
  }

  /** The account when name and password match; otherwise undefined after the same amount of work. */
  async authenticate(name: string, password: string): Promise<OperatorAccount | undefined> {
    const row = OPERATOR_NAME.test(name)
      ? await this.#db.selectFrom("operator_accounts").select(["name", "role", "password_hash", "created_at"]).where("name", "=", name).executeTakeFirst()
      : undefined;
    const ok = await verifyPassword(password, row?.password_hash ?? (await decoyHash()));
    if (!row || !ok || !isOperatorRole(row.role)) return undefined;
    return { name: row.name, role: row.role, createdAt: row.created_at };
  }

  /** Opens a session; returns the cookie value (random, 256 bits) — only its SHA-256 is stored. */
  async openSession(operator: string, now: Date = new Date()): Promise<{ id: string; csrfToken: string }> {
    const id = randomBytes(32).toString("base64url");
    const csrfToken = randomBytes(32).toString("base64url");
    const at = now.toISOString();
    await this.#db
      .insertInto("operator_sessions")
      .values({ id_sha256: sha256(id), operator, csrf_token: csrfToken, created_at: at, last_seen_at: at, expires_at: new Date(now.getTime() + this.#lifetimes.idleMs).toISOString() })
      .execute();
    return { id, csrfToken };
  }

  /** The live session of a cookie value, its idle expiry pushed forward; undefined when unknown or expired. */
  async session(id: string, now: Date = new Date()): Promise<OperatorSession | undefined> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
    const key = sha256(id);
    const row = await this.#db
      .selectFrom("operator_sessions")
      .innerJoin("operator_accounts", "operator_accounts.name", "operator_sessions.operator")
      .select(["operator_sessions.operator", "operator_accounts.role", "operator_sessions.csrf_token", "operator_sessions.created_at", "operator_sessions.expires_at"])
      .where("operator_sessions.id_sha256", "=", key)
      .executeTakeFirst();
    if (!row || !isOperatorRole(row.role)) return undefined;
    const absoluteEnd = Date.parse(row.created_at) + this.#lifetimes.absoluteMs;
    if (Date.parse(row.expires_at) <= now.getTime() || absoluteEnd <= now.getTime()) {
      await this.#db.deleteFrom("operator_sessions").where("id_sha256", "=", key).execute();
      return undefined;
    }
    const expiresAt = new Date(Math.min(absoluteEnd, now.getTime() + this.#lifetimes.idleMs)).toISOString();
    await this.#db.updateTable("operator_sessions").set({ last_seen_at: now.toISOString(), expires_at: expiresAt }).where("id_sha256", "=", key).execute();
    return { operator: row.operator, role: row.role, csrfToken: row.csrf_token, expiresAt };
  }

  async closeSession(id: string): Promise<void> {
    await this.#db.deleteFrom("operator_sessions").where("id_sha256", "=", sha256(id)).execute();
  }

  /** Deletes expired sessions; returns how many. */
  async purgeExpiredSessions(now: Date = new Date()): Promise<number> {
    const r = await this.#db.deleteFrom("operator_sessions").where("expires_at", "<=", now.toISOString()).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
