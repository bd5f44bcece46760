// Raw message store (issue 5): the raw inbound and outbound SOAP messages of each exchange, kept for a
// configurable time (PASSERELLE_RAW_MESSAGE_RETENTION_DAYS) so that support can see exactly what was
// received and answered. Unlike the audit trail these hold contents (documents, assertions): they live
// in their own table, compressed with zlib (deflate), and are purged after the retention period.
import type { Kysely } from "kysely";
import { deflateSync, inflateSync } from "node:zlib";
import { ErrorCode, PasserelleError } from "../shared/errors";
import type { Database } from "../storage/database";
import { AUDIT_DIRECTIONS, type AuditDirection } from "./event";
import type { RawMessageTables } from "./migrations";

/** Messages larger than this are refused (the SOAP endpoints limit requests well below it). */
export const MAX_RAW_MESSAGE_BYTES = 64 * 1024 * 1024;
const DAY_MS = 86_400_000;

export interface RawMessageInput {
  /** The exchange (a partner transaction, or one queued country B job) the message belongs to. */
  readonly exchangeId: string;
  readonly traceId?: string;
  /** inbound: received by the gateway; outbound: sent by it. */
  readonly direction: AuditDirection;
  /** WS-Addressing Action, when known. */
  readonly action?: string;
  /** Content-Type as on the wire (MTOM multipart boundaries included). */
  readonly contentType?: string;
  readonly body: Buffer | string;
  /** Default: now. */
  readonly at?: Date;
}

export interface RawMessage {
  readonly id: number;
  readonly exchangeId: string;
  readonly traceId?: string;
  readonly direction: AuditDirection;
  readonly action?: string;
  readonly contentType?: string;
  readonly recordedAt: string;
  readonly body: Buffer;
}

export interface RawMessageSummary extends Omit<RawMessage, "body"> {
  /** Bytes before compression. */
  readonly size: number;
  /** Bytes stored. */
  readonly storedSize: number;
}

export class RawMessageStore {
  private readonly db: Kysely<RawMessageTables>;

  constructor(database: Database) {
    this.db = database.tables<RawMessageTables>();
  }

  /** Stores one message, compressed; returns its id. */
  async store(input: RawMessageInput): Promise<number> {
    if (input.exchangeId.trim() === "") throw new PasserelleError(ErrorCode.InputInvalid, "raw message: exchange id is empty");
    if (!(AUDIT_DIRECTIONS as readonly string[]).includes(input.direction)) throw new PasserelleError(ErrorCode.InputInvalid, "raw message: direction must be inbound or outbound");
    const bytes = typeof input.body === "string" ? Buffer.from(input.body, "utf8") : input.body;
    if (bytes.length > MAX_RAW_MESSAGE_BYTES) throw new PasserelleError(ErrorCode.InputTooLarge, `raw message of ${bytes.length} bytes exceeds ${MAX_RAW_MESSAGE_BYTES}`);
    const row = await this.db
      .insertInto("raw_messages")
      .values({
        exchange_id: input.exchangeId,
        trace_id: input.traceId ?? null,
        direction: input.direction,
        action: input.action ?? null,
        content_type: input.contentType ?? null,
        recorded_at: (input.at ?? new Date()).toISOString(),
        size: bytes.length,
        body: deflateSync(bytes),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  /** The messages of one exchange, in the order they were stored, decompressed. */
  async forExchange(exchangeId: string): Promise<RawMessage[]> {
    const rows = await this.db.selectFrom("raw_messages").selectAll().where("exchange_id", "=", exchangeId).orderBy("id").execute();
    return rows.map((r) => ({ ...describe(r), body: inflateSync(r.body) }));
  }

  /** What is stored for one exchange, without the bodies. */
  async summaries(exchangeId: string): Promise<RawMessageSummary[]> {
    const rows = await this.db.selectFrom("raw_messages").selectAll().where("exchange_id", "=", exchangeId).orderBy("id").execute();
    return rows.map((r) => ({ ...describe(r), size: r.size, storedSize: r.body.length }));
  }

  /** Deletes every message recorded before `date`; returns how many. */
  async purgeOlderThan(date: Date): Promise<number> {
    const result = await this.db.deleteFrom("raw_messages").where("recorded_at", "<", date.toISOString()).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Deletes what is older than the retention (days) counted back from `now`. */
  async purgeExpired(retentionDays: number, now: Date = new Date()): Promise<number> {
    return this.purgeOlderThan(retentionCutoff(retentionDays, now));
  }
}

export function retentionCutoff(retentionDays: number, now: Date): Date {
  if (!Number.isInteger(retentionDays) || retentionDays < 1) throw new PasserelleError(ErrorCode.ConfigInvalid, `raw message retention must be a whole number of days >= 1, got ${retentionDays}`);
  return new Date(now.getTime() - retentionDays * DAY_MS);
}

function describe(r: RawMessageTables["raw_messages"]): Omit<RawMessage, "body"> {
  return {
    id: Number(r.id),
    exchangeId: r.exchange_id,
    ...(r.trace_id === null ? {} : { traceId: r.trace_id }),
    direction: r.direction as AuditDirection,
    ...(r.action === null ? {} : { action: r.action }),
    ...(r.content_type === null ? {} : { contentType: r.content_type }),
    recordedAt: r.recorded_at,
  };
}
