// Tables of the audit domain (issue 5):
//   - audit_trail: the append-only, hash-chained events (chain.ts). Triggers refuse UPDATE and DELETE
//     (and TRUNCATE on PostgreSQL) so that even a bug or a stray script cannot rewrite history without
//     first dropping the trigger, which verifyChain() then exposes through the hashes.
//   - audit_chain_head: one row per chain, the last seq and hash. Appends lock it (serialising writers:
//     the chain never forks) and verifyChain() compares it with the last row (a truncated tail shows).
//   - raw_messages: the raw SOAP messages of each exchange, compressed, purged after the retention.
// Column conventions: src/storage/database.ts.
import { sql } from "kysely";
import type { DomainMigration, MigrationContext, MigrationDb } from "../storage/migrations";
import { addAutoIncrementId, binaryType } from "../storage/migrations";

export interface AuditTables {
  audit_trail: {
    seq: number;
    id: string;
    time: string;
    event_type: string;
    outcome: string;
    error_code: string | null;
    partner_country: string | null;
    patient_id: string | null;
    trace_id: string | null;
    exchange_id: string | null;
    /** The hashed event, canonical JSON (event.ts canonicalJson). The columns above are copies for queries. */
    event: string;
    prev_hash: string;
    hash: string;
  };
  audit_chain_head: {
    chain: string;
    seq: number;
    hash: string;
  };
}

export interface RawMessageTables {
  raw_messages: {
    id?: number;
    exchange_id: string;
    trace_id: string | null;
    direction: string;
    action: string | null;
    content_type: string | null;
    recorded_at: string;
    /** Bytes of the message before compression. */
    size: number;
    /** zlib deflate of the message. */
    body: Buffer;
  };
}

export const MAIN_CHAIN = "main";
/** prev_hash of the first event of a chain. */
export const GENESIS_HASH = "0".repeat(64);

const APPEND_ONLY_MESSAGE = "audit_trail is append-only";

async function appendOnlyTriggers(db: MigrationDb, ctx: MigrationContext): Promise<void> {
  if (ctx.dialect === "sqlite") {
    for (const op of ["update", "delete"]) {
      await sql
        .raw(`create trigger audit_trail_no_${op} before ${op} on audit_trail begin select raise(abort, '${APPEND_ONLY_MESSAGE}: ${op} refused'); end`)
        .execute(db);
    }
    // The head only moves forward and is never removed.
    await sql
      .raw(
        `create trigger audit_chain_head_forward before update on audit_chain_head when new.seq < old.seq or new.chain <> old.chain ` +
          `begin select raise(abort, 'audit_chain_head only moves forward'); end`,
      )
      .execute(db);
    await sql.raw(`create trigger audit_chain_head_no_delete before delete on audit_chain_head begin select raise(abort, 'audit_chain_head rows are never deleted'); end`).execute(db);
    return;
  }
  await sql
    .raw(
      `create function audit_trail_refuse_change() returns trigger language plpgsql as $$ ` +
        `begin raise exception '${APPEND_ONLY_MESSAGE}: % refused', lower(tg_op) using errcode = 'raise_exception'; end $$`,
    )
    .execute(db);
  await sql.raw(`create trigger audit_trail_append_only before update or delete on audit_trail for each row execute function audit_trail_refuse_change()`).execute(db);
  await sql.raw(`create trigger audit_trail_no_truncate before truncate on audit_trail for each statement execute function audit_trail_refuse_change()`).execute(db);
  await sql
    .raw(
      `create function audit_chain_head_forward() returns trigger language plpgsql as $$ begin ` +
        `if tg_op = 'DELETE' or new.seq < old.seq or new.chain <> old.chain then raise exception 'audit_chain_head only moves forward'; end if; ` +
        `return new; end $$`,
    )
    .execute(db);
  await sql.raw(`create trigger audit_chain_head_forward before update or delete on audit_chain_head for each row execute function audit_chain_head_forward()`).execute(db);
}

export const auditMigrations: readonly DomainMigration[] = [
  {
    name: "202611271930_audit_trail",
    async up(db, ctx) {
      await db.schema
        .createTable("audit_trail")
        .addColumn("seq", "bigint", (c) => c.primaryKey())
        .addColumn("id", "text", (c) => c.notNull().unique())
        .addColumn("time", "text", (c) => c.notNull())
        .addColumn("event_type", "text", (c) => c.notNull())
        .addColumn("outcome", "text", (c) => c.notNull())
        .addColumn("error_code", "text")
        .addColumn("partner_country", "text")
        .addColumn("patient_id", "text")
        .addColumn("trace_id", "text")
        .addColumn("exchange_id", "text")
        .addColumn("event", "text", (c) => c.notNull())
        .addColumn("prev_hash", "text", (c) => c.notNull())
        .addColumn("hash", "text", (c) => c.notNull())
        .execute();
      // Operators search by time, type, patient and trace (query.ts); seq keeps each index keyset-ready.
      await db.schema.createIndex("audit_trail_time").on("audit_trail").columns(["time", "seq"]).execute();
      await db.schema.createIndex("audit_trail_type").on("audit_trail").columns(["event_type", "seq"]).execute();
      await db.schema.createIndex("audit_trail_patient").on("audit_trail").columns(["patient_id", "seq"]).execute();
      await db.schema.createIndex("audit_trail_trace").on("audit_trail").columns(["trace_id"]).execute();
      await db.schema
        .createTable("audit_chain_head")
        .addColumn("chain", "text", (c) => c.primaryKey())
        .addColumn("seq", "bigint", (c) => c.notNull())
        .addColumn("hash", "text", (c) => c.notNull())
        .execute();
      await db.insertInto("audit_chain_head").values({ chain: MAIN_CHAIN, seq: 0, hash: GENESIS_HASH }).execute();
      await appendOnlyTriggers(db, ctx);
    },
  },
  {
    name: "202611271931_audit_raw_messages",
    async up(db, ctx) {
      await addAutoIncrementId(db.schema.createTable("raw_messages"), ctx)
        .addColumn("exchange_id", "text", (c) => c.notNull())
        .addColumn("trace_id", "text")
        .addColumn("direction", "text", (c) => c.notNull().check(sql`direction in ('inbound', 'outbound')`))
        .addColumn("action", "text")
        .addColumn("content_type", "text")
        .addColumn("recorded_at", "text", (c) => c.notNull())
        .addColumn("size", "integer", (c) => c.notNull())
        .addColumn("body", binaryType(ctx), (c) => c.notNull())
        .execute();
      await db.schema.createIndex("raw_messages_exchange").on("raw_messages").columns(["exchange_id", "id"]).execute();
      await db.schema.createIndex("raw_messages_recorded_at").on("raw_messages").columns(["recorded_at"]).execute();
    },
  },
  {
    // The operator console looks exchanges up by exchange id and filters by partner (issue 7).
    name: "202611272100_audit_trail_exchange_partner_index",
    async up(db) {
      await db.schema.createIndex("audit_trail_exchange").on("audit_trail").columns(["exchange_id", "seq"]).execute();
      await db.schema.createIndex("audit_trail_partner").on("audit_trail").columns(["partner_country", "seq"]).execute();
    },
  },
];
