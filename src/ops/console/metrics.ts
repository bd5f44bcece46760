// Prometheus metrics of the overview that no other module exports (issue 7 "Prometheus metrics for
// everything on the overview"). They follow the audit trail: at each scrape the events appended since
// the last one (keyset on seq) are counted, so they cover every writer of the trail (responders,
// consent, other gateway processes sharing the database) without hooks in those modules.
//   passerelle_exchanges_total{direction,service,partner,outcome}
//   passerelle_exchange_duration_seconds{direction,service}      (histogram of the audited durations)
//   passerelle_consent_decisions_total{decision,emergency}
// Queue depth, dead letters and certificate expiry already exist (exchange/queue, exchange/partners).
import type { Kysely } from "kysely";
import { Counter, Histogram, type Registry } from "prom-client";
import type { AuditEventType } from "../../audit/event";
import type { AuditTables } from "../../audit/migrations";
import { EVENT_SERVICE, EXCHANGE_EVENT_TYPES } from "./exchanges-data";

const BATCH = 5000;

export interface TrailMetrics {
  /** Reads the events appended since the last call (the scrape does it too). */
  catchUp(): Promise<void>;
}

/** Starts counting after the current head (counters start at zero with the process, as Prometheus expects). */
export async function registerTrailMetrics(registry: Registry, db: Kysely<AuditTables>): Promise<TrailMetrics> {
  const head = await db.selectFrom("audit_trail").select((eb) => eb.fn.max("seq").as("seq")).executeTakeFirst();
  let last = Number(head?.seq ?? 0);
  const registers = [registry];
  let pending: Promise<void> | undefined;

  const exchanges = new Counter({
    name: "passerelle_exchanges_total",
    help: "Exchanges recorded in the audit trail (direction in = country A; out = country B events), by service, partner country and outcome",
    labelNames: ["direction", "service", "partner", "outcome"] as const,
    registers,
    collect: () => catchUp(),
  });
  const durations = new Histogram({
    name: "passerelle_exchange_duration_seconds",
    help: "Duration of the exchanges recorded in the audit trail",
    labelNames: ["direction", "service"] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
    collect: () => catchUp(),
  });
  const decisions = new Counter({
    name: "passerelle_consent_decisions_total",
    help: "Consent decisions recorded in the audit trail: permit or deny, emergency access or not",
    labelNames: ["decision", "emergency"] as const,
    registers,
    collect: () => catchUp(),
  });

  async function readBatch(): Promise<number> {
    const rows = await db
      .selectFrom("audit_trail")
      .select(["seq", "event_type", "outcome", "partner_country", "event"])
      .where("seq", ">", last)
      .where("event_type", "in", [...EXCHANGE_EVENT_TYPES, "CONSENT-DECISION"])
      .orderBy("seq")
      .limit(BATCH)
      .execute();
    for (const r of rows) {
      last = r.seq;
      const e = JSON.parse(r.event) as { durationMs?: number; direction?: string; who?: { emergency?: boolean } };
      if (r.event_type === "CONSENT-DECISION") {
        decisions.inc({ decision: r.outcome === "success" ? "permit" : "deny", emergency: e.who?.emergency ? "true" : "false" });
        continue;
      }
      const service = EVENT_SERVICE[r.event_type as AuditEventType] ?? "other";
      const direction = e.direction === "outbound" ? "out" : "in";
      exchanges.inc({ direction, service, partner: r.partner_country ?? "unknown", outcome: r.outcome });
      if (typeof e.durationMs === "number") durations.observe({ direction, service }, e.durationMs / 1000);
    }
    return rows.length;
  }

  function catchUp(): Promise<void> {
    pending ??= (async () => {
      try {
        while ((await readBatch()) === BATCH);
      } finally {
        pending = undefined;
      }
    })();
    return pending;
  }

  return { catchUp };
}
