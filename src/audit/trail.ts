// The gateway's audit trail (issue 5): record() appends an event to the hash chain and resolves only
// once the event is committed (write before answer: a caller answers its partner after this). There is
// no update or delete: the table refuses them (migrations.ts triggers).
//
// Appends are serialised so the chain never forks: every append transaction first locks the chain
// head row (PostgreSQL: SELECT ... FOR UPDATE; SQLite: a write on the head takes the database write
// lock before the head is read), so two writers, in this process or another, never take the same seq.
// Concurrent record() calls of one process are grouped: while a transaction runs, new events queue up
// and the next transaction appends them all (one commit for many events).
import { randomUUID } from "node:crypto";
import { sql, type Kysely, type Transaction } from "kysely";
import type { Database } from "../storage/database";
import { chainHash, checkRow, columnsOf, eventOfRow, type ChainBreak, type ChainRow } from "./chain";
import { canonicalJson, checkEventInput, type AuditEvent, type AuditEventInput, type HashedEvent } from "./event";
import { GENESIS_HASH, MAIN_CHAIN, type AuditTables } from "./migrations";
import { allMatching, queryAuditTrail, type AuditPage, type AuditQuery } from "./query";

/** At most this many events in one append transaction. */
const MAX_BATCH = 500;
/** Rows per INSERT statement (13 parameters a row; below SQLite's and PostgreSQL's limits). */
const INSERT_CHUNK = 200;
/** Rows read per page by verifyChain(). */
const VERIFY_PAGE = 2000;

export interface ChainVerification {
  readonly ok: boolean;
  /** Rows checked. */
  readonly checked: number;
  /** The last seq of the chain (its head). */
  readonly headSeq: number;
  readonly firstBroken?: ChainBreak;
}

export interface AuditTrailOptions {
  /** Clock for events without a time (tests). */
  readonly now?: () => Date;
  /** Told after each append transaction: the events committed, or the error (metrics). */
  readonly observe?: (outcome: { committed: number; failed: number; seconds: number }) => void;
}

interface Pending {
  readonly input: AuditEventInput & { time: string };
  resolve(event: AuditEvent): void;
  reject(error: unknown): void;
}

export class AuditTrail {
  private readonly db: Kysely<AuditTables>;
  private readonly now: () => Date;
  private readonly observe: AuditTrailOptions["observe"];
  private queue: Pending[] = [];
  private writing: Promise<void> | undefined;

  constructor(private readonly database: Database, options: AuditTrailOptions = {}) {
    this.db = database.tables<AuditTables>();
    this.now = options.now ?? (() => new Date());
    this.observe = options.observe;
  }

  /** Appends one event; resolves with it (seq, hashes) after commit. Refuses an invalid event (INPUT_INVALID). */
  async record(input: AuditEventInput): Promise<AuditEvent> {
    const checked = checkEventInput(input, this.now());
    return new Promise<AuditEvent>((resolve, reject) => {
      this.queue.push({ input: checked, resolve, reject });
      this.kick();
    });
  }

  /** Appends several events in order, in as few transactions as possible; all or (per batch) none. */
  async recordMany(inputs: readonly AuditEventInput[]): Promise<AuditEvent[]> {
    const now = this.now();
    const checked = inputs.map((i) => checkEventInput(i, now));
    const appended = checked.map((input) => new Promise<AuditEvent>((resolve, reject) => this.queue.push({ input, resolve, reject })));
    this.kick();
    return Promise.all(appended);
  }

  /** Resolves once every event queued so far is committed (or refused). */
  async flush(): Promise<void> {
    this.kick();
    while (this.writing) await this.writing;
  }

  private kick(): void {
    if (this.writing || this.queue.length === 0) return;
    this.writing = this.drain().finally(() => {
      this.writing = undefined;
      this.kick();
    });
  }

  private async drain(): Promise<void> {
    // Let the current tick's record() calls join the first batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      try {
        const events = await this.append(batch.map((p) => p.input));
        batch.forEach((p, i) => p.resolve(events[i] as AuditEvent));
      } catch (e) {
        if (batch.length === 1) batch[0]?.reject(e);
        // One event the database refuses must not fail the others grouped with it: retry them alone.
        else for (const p of batch) await this.append([p.input]).then((events) => p.resolve(events[0] as AuditEvent), p.reject);
      }
    }
  }

  private async append(inputs: readonly (AuditEventInput & { time: string })[]): Promise<AuditEvent[]> {
    const started = performance.now();
    try {
      const events = await this.appendInTransaction(inputs);
      this.observe?.({ committed: events.length, failed: 0, seconds: (performance.now() - started) / 1000 });
      return events;
    } catch (e) {
      this.observe?.({ committed: 0, failed: inputs.length, seconds: (performance.now() - started) / 1000 });
      throw e;
    }
  }

  private async appendInTransaction(inputs: readonly (AuditEventInput & { time: string })[]): Promise<AuditEvent[]> {
    return this.db.transaction().execute(async (trx) => {
      const head = await this.lockHead(trx);
      let seq = head.seq;
      let prevHash = head.hash;
      const events: AuditEvent[] = [];
      const rows: AuditTables["audit_trail"][] = [];
      for (const input of inputs) {
        seq += 1;
        const hashed: HashedEvent = { ...input, id: randomUUID(), seq };
        const event = canonicalJson(hashed);
        const hash = chainHash(prevHash, event);
        rows.push({ seq, ...columnsOf(hashed), event, prev_hash: prevHash, hash });
        events.push({ ...(JSON.parse(event) as HashedEvent), prevHash, hash });
        prevHash = hash;
      }
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) await trx.insertInto("audit_trail").values(rows.slice(i, i + INSERT_CHUNK)).execute();
      await trx.updateTable("audit_chain_head").set({ seq, hash: prevHash }).where("chain", "=", MAIN_CHAIN).execute();
      return events;
    });
  }

  /** Locks the chain head for the rest of the transaction and reads it. */
  private async lockHead(trx: Transaction<AuditTables>): Promise<{ seq: number; hash: string }> {
    if (this.database.dialect === "sqlite") {
      // A write first: SQLite takes its write lock now (waiting busy_timeout), not at the first insert,
      // so a writer in another process cannot slip in between reading the head and appending.
      return trx.updateTable("audit_chain_head").set({ seq: sql`seq` }).where("chain", "=", MAIN_CHAIN).returning(["seq", "hash"]).executeTakeFirstOrThrow();
    }
    return trx.selectFrom("audit_chain_head").select(["seq", "hash"]).where("chain", "=", MAIN_CHAIN).forUpdate().executeTakeFirstOrThrow();
  }

  /** The chain head: the last seq appended and its hash. */
  async head(): Promise<{ seq: number; hash: string }> {
    return this.db.selectFrom("audit_chain_head").select(["seq", "hash"]).where("chain", "=", MAIN_CHAIN).executeTakeFirstOrThrow();
  }

  /**
   * Re-computes the chain over seq from..to (default: all of it) and reports the first row that is not
   * what was written: modified (hash, canonical form or column copies), deleted (a seq gap, or a tail
   * shorter than the head), reordered (an event under another seq, or a broken prev_hash link).
   */
  async verifyChain(range: { from?: number; to?: number } = {}): Promise<ChainVerification> {
    const head = await this.head();
    const from = Math.max(1, range.from ?? 1);
    const to = Math.min(range.to ?? head.seq, head.seq);
    if (from > to) return { ok: true, checked: 0, headSeq: head.seq };
    let previous = { seq: from - 1, hash: GENESIS_HASH };
    if (from > 1) {
      const anchor = await this.db.selectFrom("audit_trail").select(["seq", "hash"]).where("seq", "=", from - 1).executeTakeFirst();
      if (!anchor) return { ok: false, checked: 0, headSeq: head.seq, firstBroken: { seq: from - 1, reason: `seq ${from - 1} (the row before the range) is missing: rows were deleted` } };
      previous = anchor;
    }
    let checked = 0;
    for (;;) {
      const rows: ChainRow[] = await this.db.selectFrom("audit_trail").selectAll().where("seq", ">", previous.seq).where("seq", "<=", to).orderBy("seq").limit(VERIFY_PAGE).execute();
      for (const row of rows) {
        const broken = checkRow(row, previous);
        if (broken) return { ok: false, checked, headSeq: head.seq, firstBroken: broken };
        checked += 1;
        previous = { seq: row.seq, hash: row.hash };
      }
      if (rows.length < VERIFY_PAGE) break;
    }
    // Rows up to the head must all be there: a missing tail is a deletion too.
    if (previous.seq < to) {
      return { ok: false, checked, headSeq: head.seq, firstBroken: { seq: previous.seq + 1, reason: `seq ${previous.seq + 1} is missing (the chain head is seq ${head.seq}): rows were deleted` } };
    }
    if (to === head.seq && previous.seq === head.seq && previous.hash !== head.hash) {
      return { ok: false, checked, headSeq: head.seq, firstBroken: { seq: head.seq, reason: "the last row's hash is not the chain head's: the row was replaced" } };
    }
    const beyond = await this.db.selectFrom("audit_trail").select("seq").where("seq", ">", head.seq).orderBy("seq").limit(1).executeTakeFirst();
    if (beyond && range.to === undefined) {
      return { ok: false, checked, headSeq: head.seq, firstBroken: { seq: beyond.seq, reason: `seq ${beyond.seq} lies beyond the chain head (seq ${head.seq}): a row was inserted` } };
    }
    return { ok: true, checked, headSeq: head.seq };
  }

  /** Searches the trail (operators, console); keyset pagination on seq. */
  async query(q: AuditQuery = {}): Promise<AuditPage> {
    return queryAuditTrail(this.db, q);
  }

  /** Every event matching q, oldest first, read page by page (exports). */
  events(q: Omit<AuditQuery, "after" | "limit" | "order"> = {}): AsyncGenerator<AuditEvent> {
    return allMatching(this.db, q);
  }

  /** The event of one seq, if present. */
  async get(seq: number): Promise<AuditEvent | undefined> {
    const row = await this.db.selectFrom("audit_trail").select(["event", "prev_hash", "hash"]).where("seq", "=", seq).executeTakeFirst();
    return row ? eventOfRow(row) : undefined;
  }
}
