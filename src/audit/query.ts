// Searching the audit trail, for the operators (console, `passerelle audit export`): by time range,
// event type, partner, patient, outcome, error code, trace or exchange id. Pages use keyset pagination
// on seq (`after` = the last seq of the previous page), so a page costs the same wherever it is and
// events appended meanwhile neither shift nor repeat rows.
import type { Kysely } from "kysely";
import { ErrorCode, PasserelleError } from "../shared/errors";
import { eventOfRow } from "./chain";
import { AUDIT_EVENT_TYPES, AUDIT_OUTCOMES, type AuditEvent, type AuditEventType, type AuditOutcome } from "./event";
import type { AuditTables } from "./migrations";

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

export interface AuditQuery {
  /** Event time, inclusive (ISO 8601). */
  readonly from?: string;
  /** Event time, exclusive (ISO 8601). */
  readonly to?: string;
  readonly types?: readonly AuditEventType[];
  readonly partnerCountry?: string;
  /** CX form, exact. */
  readonly patientId?: string;
  readonly outcome?: AuditOutcome;
  readonly errorCode?: string;
  readonly traceId?: string;
  readonly exchangeId?: string;
  /** Keyset cursor: the `next` of the previous page. */
  readonly after?: number;
  /** "asc" (oldest first, default) or "desc" (newest first). */
  readonly order?: "asc" | "desc";
  readonly limit?: number;
}

export interface AuditPage {
  readonly events: AuditEvent[];
  /** Pass as `after` for the next page; absent on the last page. */
  readonly next?: number;
}

function invalid(message: string): PasserelleError {
  return new PasserelleError(ErrorCode.InputInvalid, `audit query: ${message}`);
}

/** ISO text as stored (toISOString, UTC, milliseconds), so that text order is time order. */
export function normaliseTime(value: string, name: string): string {
  const t = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(t)) throw invalid(`${name} ${JSON.stringify(value)} is not an ISO 8601 date-time`);
  return new Date(t).toISOString();
}

export async function queryAuditTrail(db: Kysely<AuditTables>, q: AuditQuery): Promise<AuditPage> {
  const limit = q.limit ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) throw invalid(`limit must be 1..${MAX_PAGE_SIZE}`);
  if (q.after !== undefined && !Number.isSafeInteger(q.after)) throw invalid("after must be a seq number");
  for (const t of q.types ?? []) if (!(AUDIT_EVENT_TYPES as readonly string[]).includes(t)) throw invalid(`unknown event type ${JSON.stringify(t)}`);
  if (q.outcome !== undefined && !(AUDIT_OUTCOMES as readonly string[]).includes(q.outcome)) throw invalid("outcome must be success or failure");
  const desc = q.order === "desc";

  let query = db.selectFrom("audit_trail").select(["seq", "event", "prev_hash", "hash"]);
  if (q.from !== undefined) query = query.where("time", ">=", normaliseTime(q.from, "from"));
  if (q.to !== undefined) query = query.where("time", "<", normaliseTime(q.to, "to"));
  if (q.types !== undefined && q.types.length > 0) query = query.where("event_type", "in", [...q.types]);
  if (q.partnerCountry !== undefined) query = query.where("partner_country", "=", q.partnerCountry);
  if (q.patientId !== undefined) query = query.where("patient_id", "=", q.patientId);
  if (q.outcome !== undefined) query = query.where("outcome", "=", q.outcome);
  if (q.errorCode !== undefined) query = query.where("error_code", "=", q.errorCode);
  if (q.traceId !== undefined) query = query.where("trace_id", "=", q.traceId);
  if (q.exchangeId !== undefined) query = query.where("exchange_id", "=", q.exchangeId);
  if (q.after !== undefined) query = query.where("seq", desc ? "<" : ">", q.after);
  // One row more than asked tells whether there is a next page.
  const rows = await query.orderBy("seq", desc ? "desc" : "asc").limit(limit + 1).execute();
  const page = rows.slice(0, limit);
  const events = page.map(eventOfRow);
  const last = page[page.length - 1];
  return rows.length > limit && last ? { events, next: last.seq } : { events };
}

/** Every event matching q (without after/limit), page by page, oldest first. */
export async function* allMatching(db: Kysely<AuditTables>, q: Omit<AuditQuery, "after" | "limit" | "order">): AsyncGenerator<AuditEvent> {
  let after: number | undefined;
  for (;;) {
    const page = await queryAuditTrail(db, { ...q, limit: MAX_PAGE_SIZE, ...(after === undefined ? {} : { after }) });
    yield* page.events;
    if (page.next === undefined) return;
    after = page.next;
  }
}
