// Audit events and raw-SQL tampering shared by the audit tests.
import { sql } from "kysely";
import type { AuditEventInput, AuditEventType } from "../../src/audit/event";
import type { Database } from "../../src/storage/database";

export const PATIENT = "2980010112345^^^&1.3.182.2.12.10000734.6.1&ISO";
export const OTHER_PATIENT = "1975031512345^^^&1.3.182.2.12.10000734.6.1&ISO";

/** An inbound PS retrieve from Belgium, as the XCA responder records it. */
export function retrieveEvent(overrides: Partial<AuditEventInput> = {}): AuditEventInput {
  return {
    type: "EHDSI-22",
    outcome: "success",
    who: {
      partnerCountry: "BE",
      homeCommunityId: "urn:oid:2.16.17.710.812.1000.990.1",
      hcpId: "urn:oid:2.16.17.710.812.1000.990.1^dr-jansen",
      role: "221",
      organisation: "UZ Leuven",
      organisationId: "urn:oid:2.16.17.710.812.1000.990.1.7",
      purposeOfUse: "TREATMENT",
      emergency: false,
    },
    patientId: PATIENT,
    documentIds: ["1.3.182.2.12.10000734.9.1.42", "1.3.182.2.12.10000734.9.1.43"],
    direction: "inbound",
    durationMs: 42,
    traceId: "trace-1",
    exchangeId: "urn:uuid:2d1a748a-b73e-47ef-96d2-50fdb92e1c0a",
    details: { classCode: "60591-5", level: "L3" },
    ...overrides,
  };
}

export function eventOfType(type: AuditEventType, i: number, overrides: Partial<AuditEventInput> = {}): AuditEventInput {
  return retrieveEvent({ type, traceId: `trace-${i}`, ...overrides });
}

/** Removes the append-only triggers, as an attacker with database rights would before tampering. */
export async function dropAppendOnlyTriggers(database: Database): Promise<void> {
  if (database.dialect === "sqlite") {
    await sql`drop trigger audit_trail_no_update`.execute(database.db);
    await sql`drop trigger audit_trail_no_delete`.execute(database.db);
    await sql`drop trigger audit_chain_head_forward`.execute(database.db);
    await sql`drop trigger audit_chain_head_no_delete`.execute(database.db);
  } else {
    await sql`drop trigger audit_trail_append_only on audit_trail`.execute(database.db);
    await sql`drop trigger audit_chain_head_forward on audit_chain_head`.execute(database.db);
  }
}

export async function rawRow(database: Database, seq: number): Promise<{ event: string; hash: string; prev_hash: string }> {
  const r = await sql<{ event: string; hash: string; prev_hash: string }>`select event, hash, prev_hash from audit_trail where seq = ${seq}`.execute(database.db);
  const row = r.rows[0];
  if (!row) throw new Error(`no row ${seq}`);
  return row;
}
