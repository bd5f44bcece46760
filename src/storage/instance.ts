// Binds a database to one gateway identity. Several gateways may run side by side (DESIGN.md):
// pointing two of them (or one restarted with another country) at the same database would mix two
// countries' records, so the first start records the identity and later starts must match it.
import { ErrorCode, PasserelleError } from "../shared/errors";
import type { Database } from "./database";
import type { PlatformTables } from "./platform-migrations";

export interface InstanceIdentity {
  readonly country: string;
  readonly homeCommunityId: string;
}

/** Records the identity on first use; throws CONFIG_INVALID when the database belongs to another gateway. */
export async function bindInstanceIdentity(database: Database, identity: InstanceIdentity): Promise<"recorded" | "matched"> {
  const db = database.tables<PlatformTables>();
  const wanted: Record<string, string> = { country: identity.country, home_community_id: identity.homeCommunityId };
  const rows = await db.selectFrom("platform_instance").select(["key", "value"]).where("key", "in", Object.keys(wanted)).execute();
  const stored = new Map(rows.map((r) => [r.key, r.value]));
  const mismatches = Object.entries(wanted)
    .filter(([k, v]) => stored.has(k) && stored.get(k) !== v)
    .map(([k, v]) => `${k} is ${stored.get(k)} in the database, ${v} in the configuration`);
  if (mismatches.length > 0) {
    throw new PasserelleError(ErrorCode.ConfigInvalid, `database ${database.location} belongs to another gateway: ${mismatches.join("; ")}`);
  }
  const missing = Object.entries(wanted).filter(([k]) => !stored.has(k));
  if (missing.length === 0) return "matched";
  const now = new Date().toISOString();
  await db
    .insertInto("platform_instance")
    .values(missing.map(([key, value]) => ({ key, value, recorded_at: now })))
    .onConflict((oc) => oc.column("key").doNothing())
    .execute();
  return "recorded";
}
