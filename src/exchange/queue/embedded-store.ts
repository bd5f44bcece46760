// SQL of the embedded exchange queue (table exchange_job, migrations.ts), on SQLite and PostgreSQL.
// Claiming is one UPDATE ... RETURNING over a sub-select of due jobs: atomic on SQLite (one writer at
// a time) and, on PostgreSQL, `FOR UPDATE SKIP LOCKED` lets concurrent workers take different rows.
// Every write after the claim is fenced on the claim token (locked_by): a worker whose lease expired
// and whose job was taken over cannot overwrite the new outcome.
import { sql, type Kysely, type Selectable } from "kysely";
import { ErrorCode, PasserelleError } from "../../shared/errors";
import type { Database } from "../../storage/database";
import type { JobFailure } from "./errors";
import type { ExchangeQueueTables } from "./migrations";
import { partnerOf, type Job, type JobCounts, type JobState, type JobType, type ListQuery, type StoredJob, JOB_STATES } from "./port";

type Row = Selectable<ExchangeQueueTables["exchange_job"]>;

export function rowToJob(row: Row): StoredJob {
  const date = (v: string | null) => (v === null ? undefined : new Date(v));
  return {
    id: row.id,
    type: row.type as JobType,
    job: JSON.parse(row.payload) as Job,
    partner: row.partner,
    traceId: row.trace_id,
    state: row.state as JobState,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    runAt: date(row.run_at),
    finishedAt: date(row.finished_at),
    result: row.result === null ? undefined : JSON.parse(row.result),
    failure: row.failure === null ? undefined : (JSON.parse(row.failure) as JobFailure),
  } as StoredJob;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Opaque list cursor: the (created_at, id) of the last job of the page. */
function encodeCursor(job: StoredJob): string {
  return Buffer.from(JSON.stringify([job.createdAt.toISOString(), job.id])).toString("base64url");
}
function decodeCursor(cursor: string): [string, string] {
  try {
    const v = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === "string" && typeof v[1] === "string") return [v[0], v[1]];
  } catch {
    // fall through
  }
  throw new PasserelleError(ErrorCode.InputInvalid, "invalid cursor", { location: "cursor" });
}

export class EmbeddedJobStore {
  readonly #database: Database;
  readonly #db: Kysely<ExchangeQueueTables>;

  constructor(database: Database) {
    this.#database = database;
    this.#db = database.tables<ExchangeQueueTables>();
  }

  /** Inserts the job unless its id exists; true when inserted. Durable when it resolves (committed). */
  async insert(id: string, job: Job, traceId: string, maxAttempts: number, now: number): Promise<boolean> {
    const at = iso(now);
    const row = await this.#db
      .insertInto("exchange_job")
      .values({
        id,
        type: job.type,
        partner: partnerOf(job),
        trace_id: traceId,
        payload: JSON.stringify(job),
        state: "waiting",
        attempts: 0,
        max_attempts: maxAttempts,
        run_at: at,
        locked_until: null,
        locked_by: null,
        result: null,
        failure: null,
        created_at: at,
        updated_at: at,
        finished_at: null,
      })
      .onConflict((oc) => oc.column("id").doNothing())
      .returning("id")
      .executeTakeFirst();
    return row !== undefined;
  }

  async get(id: string): Promise<StoredJob | undefined> {
    const row = await this.#db.selectFrom("exchange_job").selectAll().where("id", "=", id).executeTakeFirst();
    return row ? rowToJob(row) : undefined;
  }

  async list(query: ListQuery, limit: number): Promise<StoredJob[]> {
    let q = this.#db.selectFrom("exchange_job").selectAll();
    if (query.state) q = q.where("state", "=", query.state);
    if (query.type) q = q.where("type", "=", query.type);
    if (query.partner) q = q.where("partner", "=", query.partner);
    if (query.cursor) {
      const [createdAt, id] = decodeCursor(query.cursor);
      q = q.where((eb) => eb.or([eb("created_at", "<", createdAt), eb.and([eb("created_at", "=", createdAt), eb("id", "<", id)])]));
    }
    const rows = await q.orderBy("created_at", "desc").orderBy("id", "desc").limit(limit).execute();
    return rows.map(rowToJob);
  }

  cursorAfter(job: StoredJob): string {
    return encodeCursor(job);
  }

  /**
   * Takes up to `max` due jobs of `type` for the claim token: waiting/delayed jobs whose time has
   * come, and active jobs whose lease expired (their worker died: at-least-once). Skips `excluded`
   * partners (no free slot in this process). Each claimed job's attempts go up by one.
   */
  async claim(type: JobType, max: number, token: string, leaseMs: number, now: number, excluded: readonly string[]): Promise<StoredJob[]> {
    const at = iso(now);
    const exclude = excluded.length > 0 ? sql`and partner not in (${sql.join(excluded)})` : sql``;
    const lock = this.#database.dialect === "postgres" ? sql`for update skip locked` : sql``;
    const result = await sql<Row>`
      update exchange_job
         set state = 'active', attempts = attempts + 1, locked_by = ${token}, locked_until = ${iso(now + leaseMs)}, updated_at = ${at}
       where id in (
         select id from exchange_job
          where type = ${type}
            and ((state in ('waiting', 'delayed') and run_at <= ${at}) or (state = 'active' and locked_until < ${at}))
            ${exclude}
          order by run_at, id
          limit ${max}
          ${lock})
      returning *`.execute(this.#database.db);
    return result.rows.map(rowToJob);
  }

  /** Renews the lease of jobs this token holds; the ids still held. */
  async renew(ids: readonly string[], token: string, leaseMs: number, now: number): Promise<number> {
    if (ids.length === 0) return 0;
    const r = await this.#db
      .updateTable("exchange_job")
      .set({ locked_until: iso(now + leaseMs) })
      .where("id", "in", ids)
      .where("locked_by", "=", token)
      .where("state", "=", "active")
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /** Stores an attempt's outcome, if the token still holds the job; false when it lost it. */
  async settle(id: string, token: string, now: number, change: { state: JobState; runAt?: number; result?: unknown; failure?: JobFailure; uncountAttempt?: boolean }): Promise<boolean> {
    const at = iso(now);
    const finished = change.state === "completed" || change.state === "failed-permanently" || change.state === "dead-letter";
    const r = await this.#db
      .updateTable("exchange_job")
      .set((eb) => ({
        state: change.state,
        run_at: change.runAt === undefined ? null : iso(change.runAt),
        locked_by: null,
        locked_until: null,
        updated_at: at,
        finished_at: finished ? at : null,
        ...(change.result !== undefined ? { result: JSON.stringify(change.result) } : {}),
        ...(change.failure !== undefined ? { failure: JSON.stringify(change.failure) } : {}),
        ...(change.uncountAttempt ? { attempts: eb("attempts", "-", 1) } : {}),
      }))
      .where("id", "=", id)
      .where("locked_by", "=", token)
      .where("state", "=", "active")
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Operator replay: back to waiting with a fresh attempt budget; false when not in a failed state. */
  async requeue(id: string, now: number): Promise<boolean> {
    const r = await this.#db
      .updateTable("exchange_job")
      .set({ state: "waiting", attempts: 0, run_at: iso(now), finished_at: null, updated_at: iso(now) })
      .where("id", "=", id)
      .where("state", "in", ["dead-letter", "failed-permanently"])
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async counts(): Promise<JobCounts> {
    const rows = await this.#db.selectFrom("exchange_job").select(["state", (eb) => eb.fn.countAll<number>().as("n")]).groupBy("state").execute();
    const counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
    for (const r of rows) if ((JOB_STATES as readonly string[]).includes(r.state)) counts[r.state as JobState] = Number(r.n);
    return counts;
  }

  /** Deletes completed jobs finished before `before` (their results and keys); how many. */
  async purgeCompleted(before: number): Promise<number> {
    const r = await this.#db.deleteFrom("exchange_job").where("state", "=", "completed").where("finished_at", "<", iso(before)).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
