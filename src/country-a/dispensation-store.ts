// Received dispensations, kept before anything is answered (issue 5 "durable before the answer"): the
// eD as parsed, its state, and the answer given, keyed by the eD's XDS uniqueId. The primary key makes
// the first submission win; every later one reads the stored answer (idempotency). Also the index of
// documents offered to partners (what a retrieve is about).
import type { Dispensation } from "../canonical/model";
import { isUniqueViolation } from "../storage/errors";
import type { Database } from "../storage/database";
import type { EhdsiError } from "./errors";
import type { CountryATables } from "./migrations";

export type DispensationState = "pending" | "recorded" | "refused" | "deferred" | "delivered";
export type DispensationOperation = "submit" | "discard";

/** The answer of an XDR submission: Success, Success with a warning (deferred), or Failure. */
export interface DispensationAnswer {
  readonly status: "success" | "failure";
  /** Deferred: accepted and stored, delivery to the national system pending (warning). */
  readonly deferred: boolean;
  readonly errors: readonly EhdsiError[];
  readonly prescriptionStatus?: string;
}

export interface StoredDispensation {
  readonly uniqueId: string;
  readonly operation: DispensationOperation;
  readonly matricule: string;
  readonly partner: string;
  readonly prescriptionId: string;
  readonly state: DispensationState;
  readonly dispensation: Dispensation;
  readonly answer: DispensationAnswer | undefined;
  readonly attempts: number;
}

export interface OfferedIndexEntry {
  readonly uniqueId: string;
  readonly matricule: string;
  readonly kind: "ps" | "ep";
  readonly level: "L3" | "L1";
  readonly sourceId: string;
}

type Row = CountryATables["country_a_dispensation"];

function fromRow(r: Row): StoredDispensation {
  return {
    uniqueId: r.unique_id,
    operation: r.operation as DispensationOperation,
    matricule: r.matricule,
    partner: r.partner,
    prescriptionId: r.prescription_id,
    state: r.state as DispensationState,
    dispensation: JSON.parse(r.dispensation_json) as Dispensation,
    answer: r.answer_json ? (JSON.parse(r.answer_json) as DispensationAnswer) : undefined,
    attempts: Number(r.attempts),
  };
}

/** Index entries kept in memory (an offered uniqueId always names the same record and level). */
const OFFERED_CACHE_SIZE = 10_000;

export class DispensationStore {
  private readonly offeredCache = new Map<string, OfferedIndexEntry>();

  constructor(
    private readonly database: Database,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  private get db() {
    return this.database.tables<CountryATables>();
  }

  async get(uniqueId: string): Promise<StoredDispensation | undefined> {
    const row = await this.db.selectFrom("country_a_dispensation").selectAll().where("unique_id", "=", uniqueId).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  /** Stores a new submission as pending; false when this uniqueId was already received (read it with get()). */
  async claim(d: { uniqueId: string; operation: DispensationOperation; matricule: string; partner: string; dispensation: Dispensation }): Promise<boolean> {
    const now = this.clock().toISOString();
    try {
      await this.db
        .insertInto("country_a_dispensation")
        .values({
          unique_id: d.uniqueId, operation: d.operation, matricule: d.matricule, partner: d.partner, prescription_id: d.dispensation.prescriptionId,
          state: "pending", dispensation_json: JSON.stringify(d.dispensation), answer_json: null, received_at: now, updated_at: now, attempts: 0,
        })
        .execute();
      return true;
    } catch (e) {
      if (isUniqueViolation(e)) return false;
      throw e;
    }
  }

  /** Moves to `state` (only from one of `from`); returns false when the row was not in one of them. */
  async transition(uniqueId: string, from: readonly DispensationState[], state: DispensationState, answer?: DispensationAnswer): Promise<boolean> {
    const res = await this.db
      .updateTable("country_a_dispensation")
      .set({ state, updated_at: this.clock().toISOString(), ...(answer ? { answer_json: JSON.stringify(answer) } : {}) })
      .where("unique_id", "=", uniqueId)
      .where("state", "in", [...from])
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async countAttempt(uniqueId: string): Promise<void> {
    await this.db.updateTable("country_a_dispensation").set((eb) => ({ attempts: eb("attempts", "+", 1) })).where("unique_id", "=", uniqueId).execute();
  }

  /** Dispensations waiting for delivery (deferred), oldest first: what a restart must re-enqueue. */
  async deferred(limit = 100): Promise<StoredDispensation[]> {
    const rows = await this.db.selectFrom("country_a_dispensation").selectAll().where("state", "in", ["deferred", "pending"]).orderBy("received_at").limit(limit).execute();
    return rows.map(fromRow);
  }

  // ---- documents offered ------------------------------------------------------------------------

  async rememberOffered(entries: readonly OfferedIndexEntry[]): Promise<void> {
    const now = this.clock().toISOString();
    for (const e of entries) {
      await this.db
        .insertInto("country_a_document")
        .values({ unique_id: e.uniqueId, matricule: e.matricule, kind: e.kind, level: e.level, source_id: e.sourceId, offered_at: now })
        .onConflict((oc) => oc.column("unique_id").doNothing())
        .execute();
    }
  }

  async offered(uniqueId: string): Promise<OfferedIndexEntry | undefined> {
    const hit = this.offeredCache.get(uniqueId);
    if (hit) return hit;
    const r = await this.db.selectFrom("country_a_document").selectAll().where("unique_id", "=", uniqueId).executeTakeFirst();
    if (!r) return undefined;
    const entry: OfferedIndexEntry = { uniqueId: r.unique_id, matricule: r.matricule, kind: r.kind as "ps" | "ep", level: r.level as "L3" | "L1", sourceId: r.source_id };
    this.offeredCache.set(uniqueId, entry);
    if (this.offeredCache.size > OFFERED_CACHE_SIZE) this.offeredCache.delete(this.offeredCache.keys().next().value as string);
    return entry;
  }
}
