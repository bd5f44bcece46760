// The embedded exchange queue's table (used when REDIS_URL is unset). Column conventions: storage/database.ts.
import type { DomainMigration } from "../../storage/migrations";

export interface ExchangeQueueTables {
  exchange_job: {
    /** The idempotency key (client request id). */
    id: string;
    type: string;
    partner: string;
    trace_id: string;
    /** JSON: the Job. */
    payload: string;
    state: string;
    attempts: number;
    max_attempts: number;
    /** When a waiting / delayed job may run (ISO 8601); null once finished. */
    run_at: string | null;
    /** Lease of the worker running the job: another worker may take it after this (ISO 8601). */
    locked_until: string | null;
    /** Claim token of that worker; completion is fenced on it. */
    locked_by: string | null;
    /** JSON results / JobFailure. */
    result: string | null;
    failure: string | null;
    created_at: string;
    updated_at: string;
    finished_at: string | null;
  };
}

export const exchangeQueueMigrations: readonly DomainMigration[] = [
  {
    name: "202611271940_exchange-queue_create_exchange_job",
    async up(db) {
      await db.schema
        .createTable("exchange_job")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("type", "text", (c) => c.notNull())
        .addColumn("partner", "text", (c) => c.notNull())
        .addColumn("trace_id", "text", (c) => c.notNull())
        .addColumn("payload", "text", (c) => c.notNull())
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("max_attempts", "integer", (c) => c.notNull())
        .addColumn("run_at", "text")
        .addColumn("locked_until", "text")
        .addColumn("locked_by", "text")
        .addColumn("result", "text")
        .addColumn("failure", "text")
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .addColumn("finished_at", "text")
        .execute();
      // Claiming: due jobs of one type; listing: by state, newest first.
      await db.schema.createIndex("exchange_job_claim").on("exchange_job").columns(["type", "state", "run_at"]).execute();
      await db.schema.createIndex("exchange_job_listing").on("exchange_job").columns(["state", "created_at"]).execute();
      await db.schema.createIndex("exchange_job_partner").on("exchange_job").columns(["partner", "created_at"]).execute();
    },
    async down(db) {
      await db.schema.dropTable("exchange_job").execute();
    },
  },
];
