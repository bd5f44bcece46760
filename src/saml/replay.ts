// Replay protection (issue 3): a request whose WS-Addressing MessageID was already accepted, within
// the lifetime of its assertions, is refused. Assertions themselves may be reused within their
// validity (one HCP across XCPD, XCA and XDR; one TRC across query and retrieve): the key is the
// message, not the assertion. Kept in the database so that a restart does not forget.
import { sql } from "kysely";
import type { Database } from "../storage/database";
import type { SamlTables } from "./migrations";

export interface ReplayCache {
  /** Records the message; false when it was already seen and has not expired (a replay). Atomic. */
  firstUse(messageId: string, country: string, expiresAt: Date, now: Date): Promise<boolean>;
}

const MAX_MESSAGE_ID_LENGTH = 256;

export class DatabaseReplayCache implements ReplayCache {
  constructor(private readonly database: Database) {}

  async firstUse(messageId: string, country: string, expiresAt: Date, now: Date): Promise<boolean> {
    const db = this.database.tables<SamlTables>();
    const id = messageId.slice(0, MAX_MESSAGE_ID_LENGTH);
    const row = { message_id: id, country, seen_at: now.toISOString(), expires_at: expiresAt.toISOString() };
    // Insert, or take over an entry whose protection has lapsed; a live entry stays: replay.
    const result = await db
      .insertInto("saml_seen_message")
      .values(row)
      .onConflict((oc) =>
        oc
          .column("message_id")
          .doUpdateSet({ country, seen_at: row.seen_at, expires_at: row.expires_at })
          .where(sql.ref("saml_seen_message.expires_at"), "<=", row.seen_at),
      )
      .executeTakeFirst();
    const first = Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
    if (first) await db.deleteFrom("saml_seen_message").where("expires_at", "<=", row.seen_at).execute();
    return first;
  }
}

/** For the offline checker and tests that do not need persistence. */
export class MemoryReplayCache implements ReplayCache {
  private readonly seen = new Map<string, number>();

  async firstUse(messageId: string, _country: string, expiresAt: Date, now: Date): Promise<boolean> {
    const until = this.seen.get(messageId);
    if (until !== undefined && until > now.getTime()) return false;
    this.seen.set(messageId, expiresAt.getTime());
    return true;
  }
}
