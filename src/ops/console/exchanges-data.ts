// What the console counts as an exchange, and the figures of the overview: one audit event of a
// partner transaction (REFERENCE.md "Audit event ids": EHDSI-11 XCPD, -21/-22 PS, -31/-32 eP,
// -41/-42 eD), in both directions —
//   in  (country A): the events our responders record when a partner asks;
//   out (country B): the events country B records for each transaction it sends (src/country-b/audited.ts:
//        direction outbound, partner, outcome with the partner's error code, duration; a transport
//        failure is one failed attempt, a retried job records each attempt).
// The audit trail is the one source (time-indexed, no cap, the same across gateway instances and
// restarts); queue jobs give the queue depths and dead letters only.
import type { Kysely } from "kysely";
import type { AuditEventType } from "../../audit/event";
import type { AuditTables } from "../../audit/migrations";
import type { StoredJob } from "../../exchange/queue/port";

export const SERVICES = ["XCPD", "PS", "eP", "eD"] as const;
export type Service = (typeof SERVICES)[number];

export const EVENT_SERVICE: Readonly<Partial<Record<AuditEventType, Service>>> = {
  "EHDSI-11": "XCPD",
  "EHDSI-21": "PS",
  "EHDSI-22": "PS",
  "EHDSI-31": "eP",
  "EHDSI-32": "eP",
  "EHDSI-41": "eD",
  "EHDSI-42": "eD",
};
export const EXCHANGE_EVENT_TYPES = Object.keys(EVENT_SERVICE) as AuditEventType[];

export function eventTypesOf(service: string | undefined): AuditEventType[] {
  if (!service) return EXCHANGE_EVENT_TYPES;
  return EXCHANGE_EVENT_TYPES.filter((t) => EVENT_SERVICE[t] === service);
}

export function jobService(job: StoredJob): Service {
  const j = job.job;
  switch (j.type) {
    case "xcpd-discover":
      return "XCPD";
    case "xca-query":
    case "xca-retrieve":
      return j.documentClass === "ep" ? "eP" : "PS";
    case "xdr-submit":
    case "deliver-dispensation":
      return "eD";
  }
}

export interface Tally {
  total: number;
  failures: number;
}

export interface Bucket extends Tally {
  readonly from: string;
  readonly to: string;
}

export interface WindowFigures {
  readonly from: string;
  readonly to: string;
  readonly inbound: Tally;
  readonly outbound: Tally;
  /** By service then by direction. */
  readonly byService: Readonly<Record<Service, { in: Tally; out: Tally }>>;
  /** Partner country (or "national") → tallies, both directions. */
  readonly byPartner: ReadonlyMap<string, { in: Tally; out: Tally }>;
  readonly p50Ms: number | undefined;
  readonly p99Ms: number | undefined;
  readonly buckets: readonly Bucket[];
}

const tally = (): Tally => ({ total: 0, failures: 0 });

export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

export async function windowFigures(db: Kysely<AuditTables>, from: Date, to: Date, bucketCount: number): Promise<WindowFigures> {
  const rows = await db
    .selectFrom("audit_trail")
    .select(["time", "event_type", "outcome", "partner_country", "event"])
    .where("time", ">=", from.toISOString())
    .where("time", "<", to.toISOString())
    .execute();
  // The event types are filtered here rather than in SQL: with both conditions SQLite's planner takes
  // the (event_type, seq) index and reads every exchange ever recorded instead of the time range.

  const span = to.getTime() - from.getTime();
  const width = span / bucketCount;
  const buckets: Bucket[] = Array.from({ length: bucketCount }, (_, i) => ({
    from: new Date(from.getTime() + i * width).toISOString(),
    to: new Date(from.getTime() + (i + 1) * width).toISOString(),
    ...tally(),
  }));
  const byService = Object.fromEntries(SERVICES.map((s) => [s, { in: tally(), out: tally() }])) as Record<Service, { in: Tally; out: Tally }>;
  const byPartner = new Map<string, { in: Tally; out: Tally }>();
  const inbound = tally();
  const outbound = tally();
  const durations: number[] = [];
  const count = (t: Tally, failed: boolean) => {
    t.total += 1;
    if (failed) t.failures += 1;
  };
  const add = (dir: "in" | "out", service: Service, partner: string, failed: boolean, at: number) => {
    count(dir === "in" ? inbound : outbound, failed);
    count(byService[service][dir], failed);
    let p = byPartner.get(partner);
    if (!p) byPartner.set(partner, (p = { in: tally(), out: tally() }));
    count(p[dir], failed);
    const b = buckets[Math.min(bucketCount - 1, Math.floor((at - from.getTime()) / width))];
    if (b) count(b, failed);
  };

  for (const r of rows) {
    const service = EVENT_SERVICE[r.event_type as AuditEventType];
    if (!service) continue;
    const e = JSON.parse(r.event) as { durationMs?: number; direction?: string };
    if (typeof e.durationMs === "number") durations.push(e.durationMs);
    add(e.direction === "outbound" ? "out" : "in", service, r.partner_country ?? "unknown", r.outcome === "failure", Date.parse(r.time));
  }
  durations.sort((a, b) => a - b);
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    inbound,
    outbound,
    byService,
    byPartner,
    p50Ms: percentile(durations, 50),
    p99Ms: percentile(durations, 99),
    buckets,
  };
}

export function successRate(t: Tally): string {
  if (t.total === 0) return "–";
  return `${(((t.total - t.failures) / t.total) * 100).toFixed(1)} %`;
}
