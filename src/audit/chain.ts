// The hash chain of the audit trail (issue 5: append-only, hash-chained).
// Each row stores prev_hash (the hash of the row before, or GENESIS_HASH) and
//     hash = SHA-256( prev_hash || canonicalJson(event) )      (hex; event = everything but the hashes)
// where the event holds its own seq and id. Changing, removing, inserting or moving a row therefore
// breaks either its own hash, the link to the row before, or the agreement of its seq with its place.
import { createHash } from "node:crypto";
import { canonicalJson, type AuditEvent, type HashedEvent } from "./event";
import { GENESIS_HASH, type AuditTables } from "./migrations";

export function chainHash(prevHash: string, canonicalEvent: string): string {
  return createHash("sha256").update(prevHash, "utf8").update(canonicalEvent, "utf8").digest("hex");
}

/** A row of audit_trail as verifyChain reads it. */
export type ChainRow = AuditTables["audit_trail"];

export interface ChainBreak {
  /** The first seq at which the chain is not what was written. */
  readonly seq: number;
  readonly reason: string;
}

/** The indexed columns, as derived from the hashed event (the copies the queries read). */
export function columnsOf(e: HashedEvent): Omit<ChainRow, "seq" | "event" | "prev_hash" | "hash"> {
  return {
    id: e.id,
    time: e.time,
    event_type: e.type,
    outcome: e.outcome,
    error_code: e.errorCode ?? null,
    partner_country: e.who?.partnerCountry ?? null,
    patient_id: e.patientId ?? null,
    trace_id: e.traceId ?? null,
    exchange_id: e.exchangeId ?? null,
  };
}

/** The event of a row, with its hashes. */
export function eventOfRow(row: Pick<ChainRow, "event" | "prev_hash" | "hash">): AuditEvent {
  return { ...(JSON.parse(row.event) as HashedEvent), prevHash: row.prev_hash, hash: row.hash };
}

/**
 * Checks one row against the row before it (its seq and hash). Undefined when the row is intact.
 * Order of checks: place (a seq gap means rows were removed), the event's own seq (a row moved),
 * the link (a row replaced or reordered), the hash (a row modified), the column copies.
 */
export function checkRow(row: ChainRow, previous: { seq: number; hash: string }): ChainBreak | undefined {
  const expected = previous.seq + 1;
  if (row.seq !== expected) return { seq: expected, reason: `seq ${expected} is missing (the next row is seq ${row.seq}): rows were deleted` };
  let event: HashedEvent;
  try {
    event = JSON.parse(row.event) as HashedEvent;
  } catch {
    return { seq: row.seq, reason: "the stored event is not JSON: the row was modified" };
  }
  if (event === null || typeof event !== "object") return { seq: row.seq, reason: "the stored event is not an object: the row was modified" };
  if (event.seq !== row.seq) return { seq: row.seq, reason: `the row holds the event hashed as seq ${String(event.seq)}: rows were reordered` };
  if (row.prev_hash !== previous.hash) {
    return { seq: row.seq, reason: `prev_hash is not the hash of seq ${previous.seq}: a row was replaced, inserted or reordered` };
  }
  if (canonicalJson(event) !== row.event) return { seq: row.seq, reason: "the stored event is not in canonical form: the row was modified" };
  if (chainHash(row.prev_hash, row.event) !== row.hash) return { seq: row.seq, reason: "hash does not match the event: the row was modified" };
  const columns = columnsOf(event);
  for (const [name, value] of Object.entries(columns)) {
    if (row[name as keyof typeof columns] !== value) return { seq: row.seq, reason: `column ${name} disagrees with the hashed event: the row was modified` };
  }
  return undefined;
}

export { GENESIS_HASH };
