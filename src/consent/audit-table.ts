// A minimal append-only audit table for consent events, used until the gateway's audit trail
// (src/audit/, hash-chained) exists; the AuditSink port (audit.ts) is what consent code depends on,
// so swapping this for the real trail is one constructor argument. Rows are only ever inserted.
import type { Kysely } from "kysely";
import type { Database } from "../storage/database";
import type { AuditSink, ConsentAuditEvent } from "./audit";

export interface AuditEventTables {
  audit_events: {
    id?: number;
    recorded_at: string;
    domain: string;
    type: string;
    patient: string | null;
    /** permit | deny for decisions; the action for changes; null otherwise. */
    outcome: string | null;
    reason: string | null;
    /** 1 when purpose EMERGENCY was let through without consent. */
    emergency: number;
    correlation_id: string | null;
    /** The whole event as JSON. */
    payload: string;
  };
}

export class TableAuditSink implements AuditSink {
  private readonly db: Kysely<AuditEventTables>;

  constructor(database: Database) {
    this.db = database.tables<AuditEventTables>();
  }

  async record(event: ConsentAuditEvent): Promise<void> {
    await this.db
      .insertInto("audit_events")
      .values({
        recorded_at: event.at,
        domain: "consent",
        type: event.type,
        patient: event.type === "consent-import" ? null : event.patient,
        outcome: event.type === "consent-decision" ? (event.permit ? "permit" : "deny") : event.type === "consent-change" ? event.action : null,
        reason: event.type === "consent-decision" ? event.reason : null,
        emergency: event.type === "consent-decision" && event.emergencyOverride ? 1 : 0,
        correlation_id: event.correlationId ?? null,
        payload: JSON.stringify(event),
      })
      .execute();
  }

  /** Events of one patient, oldest first (tests, `consent history`). */
  async eventsOf(patient: string): Promise<ConsentAuditEvent[]> {
    const rows = await this.db.selectFrom("audit_events").select("payload").where("domain", "=", "consent").where("patient", "=", patient).orderBy("id").execute();
    return rows.map((r) => JSON.parse(r.payload) as ConsentAuditEvent);
  }
}
