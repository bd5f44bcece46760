// The console's pages behind the session (module.ts mounts them under /ops after requireSession).
import express, { Router, type Response } from "express";
import { sql, type Kysely } from "kysely";
import type { AuditEventInput, AuditEventType } from "../../audit/event";
import { AUDIT_EVENT_TYPES } from "../../audit/event";
import type { RawMessageStore } from "../../audit/messages";
import type { AuditTables } from "../../audit/migrations";
import type { AuditTrail, ChainVerification } from "../../audit/trail";
import type { CertificateExpiry } from "../../exchange/partners/expiry";
import type { PartnerRegistry } from "../../exchange/partners/registry";
import type { BreakerState } from "../../exchange/queue/breaker";
import { PartnerGate } from "../../exchange/queue/partner-gate";
import { isJobType, type ExchangeQueue, type JobState, type StoredJob, JOB_STATES } from "../../exchange/queue/port";
import { isPasserelleError } from "../../shared/errors";
import type { Logger } from "../../shared/logger";
import { maySeeRawMessages, mayReplay } from "../operators/accounts";
import { consentPage, type DecisionDay } from "./consent-page";
import { eventTypesOf, EXCHANGE_EVENT_TYPES, windowFigures } from "./exchanges-data";
import { auditQueryOf, exchangeDetailPage, exchangeListPage, filtersOf, inDirection } from "./exchanges-pages";
import { sendPage, type PageViewer } from "./html";
import { overviewPage, WINDOWS, type WindowName } from "./overview";
import { partnersPage, type PartnerRow } from "./partners-page";
import { jobListPage, jobPage, queuesPage } from "./queues-page";
import { requireRole, sessionOf } from "./security";

export interface ConsoleServices {
  readonly trail: AuditTrail;
  readonly auditDb: Kysely<AuditTables>;
  readonly messages: RawMessageStore;
  readonly queue: ExchangeQueue;
  readonly partners: PartnerRegistry;
  readonly certificates: () => readonly CertificateExpiry[];
  readonly warningDays: number;
  readonly boardMounted: boolean;
  readonly logger: Logger;
  readonly now?: () => Date;
}

/** Events verified on each visit of the consent and audit page (the whole chain: passerelle audit verify). */
export const CHAIN_CHECK_WINDOW = 10_000;
/** A chain check result is reused this long (verification reads and hashes every event it covers). */
export const CHAIN_CHECK_TTL_MS = 30_000;

function viewerOf(res: Response): PageViewer {
  const s = sessionOf(res);
  return { operator: s.operator, role: s.role, csrfToken: s.csrfToken };
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" && v.length <= 512 ? v : undefined;
}

async function lastSuccess(db: Kysely<AuditTables>, country: string): Promise<string | undefined> {
  const row = await db
    .selectFrom("audit_trail")
    .select("time")
    .where("partner_country", "=", country)
    .where("outcome", "=", "success")
    .where("event_type", "in", EXCHANGE_EVENT_TYPES)
    .orderBy("seq", "desc")
    .limit(1)
    .executeTakeFirst();
  return row?.time;
}

/**
 * Both queue adapters admit jobs through a PartnerGate whose breakers hold the state (per process);
 * the port does not declare it, so it is read when the adapter has one.
 */
function breakerState(queue: ExchangeQueue, partner: string): BreakerState | undefined {
  const gate = (queue as { gate?: unknown }).gate;
  return gate instanceof PartnerGate ? gate.breakers.state(partner) : undefined;
}

/**
 * The OPERATOR-ACTION of a replay: the operator (who.userId) and console role, the job (its id is the
 * exchange id of country B's audit events, so the replay shows in the exchange's timeline) and trace;
 * a refused replay (no such job, not a dead letter) is recorded with its error code.
 */
export function replayEvent(operator: string, role: string, jobId: string, outcome: { job: StoredJob } | { errorCode: string }): AuditEventInput {
  const job = "job" in outcome ? outcome.job : undefined;
  const country = job && /^[A-Z]{2}$/.test(job.partner) ? job.partner : undefined;
  return {
    type: "OPERATOR-ACTION",
    outcome: job ? "success" : "failure",
    ...("errorCode" in outcome ? { errorCode: outcome.errorCode } : {}),
    who: { userId: operator, ...(country ? { partnerCountry: country } : {}) },
    exchangeId: jobId,
    ...(job ? { traceId: job.traceId, direction: "outbound" as const } : {}),
    details: { action: "replay", operatorRole: role, jobId, ...(job ? { jobType: job.type, partner: job.partner } : {}) },
  };
}

export function pageRoutes(s: ConsoleServices): Router {
  const router = Router();
  const now = s.now ?? (() => new Date());

  router.get("/", async (req, res) => {
    const window: WindowName = req.query.window === "hour" ? "hour" : "day";
    const to = now();
    const from = new Date(to.getTime() - WINDOWS[window].ms);
    const [figures, counts] = await Promise.all([windowFigures(s.auditDb, from, to, WINDOWS[window].buckets), s.queue.counts()]);
    sendPage(res, overviewPage(viewerOf(res), { window, figures, counts, now: to }));
  });

  router.get("/exchanges", async (req, res) => {
    const f = filtersOf(req.query as Record<string, unknown>);
    const types = eventTypesOf(f.service);
    try {
      const page = await s.trail.query(auditQueryOf(f, types));
      sendPage(res, exchangeListPage(viewerOf(res), f, inDirection(page.events, f.direction), page.next));
    } catch (e) {
      if (!isPasserelleError(e)) throw e;
      sendPage(res, exchangeListPage(viewerOf(res), f, [], undefined, e.message), 400);
    }
  });

  router.get("/exchanges/event", async (req, res) => {
    const seq = Number(req.query.seq);
    const page = Number.isSafeInteger(seq) && seq > 0 ? await s.trail.query({ after: seq - 1, limit: 1 }) : { events: [] };
    const event = page.events[0];
    if (!event || event.seq !== seq) return void res.status(404).type("text/plain").send("no such audit event");
    const related = event.traceId ? (await s.trail.query({ traceId: event.traceId, limit: 1000 })).events : [event];
    sendPage(res, exchangeDetailPage(viewerOf(res), `audit event ${seq}`, related, "forbidden"));
  });

  router.get("/exchanges/:id", async (req, res) => {
    const id = String(req.params.id);
    const own = (await s.trail.query({ exchangeId: id, limit: 1000 })).events;
    const traces = [...new Set(own.map((e) => e.traceId).filter((t): t is string => !!t))];
    const bySeq = new Map(own.map((e) => [e.seq, e]));
    for (const t of traces) for (const e of (await s.trail.query({ traceId: t, limit: 1000 })).events) bySeq.set(e.seq, e);
    const events = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
    const raw = maySeeRawMessages(sessionOf(res).role) ? await s.messages.forExchange(id) : "forbidden";
    if (events.length === 0 && (raw === "forbidden" || raw.length === 0)) return void res.status(404).type("text/plain").send("no such exchange");
    sendPage(res, exchangeDetailPage(viewerOf(res), id, events, raw));
  });

  router.get("/partners", async (_req, res) => {
    const to = now();
    const from = new Date(to.getTime() - WINDOWS.day.ms);
    const figures = await windowFigures(s.auditDb, from, to, 1);
    const rows: PartnerRow[] = await Promise.all(
      s.partners.all().map(async ({ partner }) => ({
        partner,
        lastSuccess: await lastSuccess(s.auditDb, partner.country),
        breaker: breakerState(s.queue, partner.country),
        lastDay: figures.byPartner.get(partner.country) ?? { in: { total: 0, failures: 0 }, out: { total: 0, failures: 0 } },
      })),
    );
    sendPage(res, partnersPage(viewerOf(res), rows, s.certificates(), s.warningDays, from.toISOString(), to));
  });

  // The chain check of the most recent events, shared by the visits of CHAIN_CHECK_TTL_MS.
  let chainChecked: { at: number; result: Promise<{ chain: ChainVerification; chainFrom: number }> } | undefined;
  const chainStatus = () => {
    if (!chainChecked || Date.now() - chainChecked.at > CHAIN_CHECK_TTL_MS) {
      const result = (async () => {
        const head = await s.trail.head();
        const chainFrom = Math.max(1, head.seq - CHAIN_CHECK_WINDOW + 1);
        return { chain: await s.trail.verifyChain({ from: chainFrom }), chainFrom };
      })();
      chainChecked = { at: Date.now(), result };
      result.catch(() => (chainChecked = undefined));
    }
    return chainChecked.result;
  };

  router.get("/consent", async (req, res) => {
    const q = req.query as Record<string, unknown>;
    const filters: Record<string, string> = {};
    for (const k of ["type", "from", "to", "partner", "patient", "outcome", "trace", "after"]) {
      const v = str(q[k]);
      if (v) filters[k] = v;
    }
    const to = now();
    const dayMs = WINDOWS.day.ms;
    const start = new Date(Math.floor(to.getTime() / dayMs) * dayMs - 6 * dayMs);
    const days: DecisionDay[] = Array.from({ length: 7 }, (_, i) => ({
      from: new Date(start.getTime() + i * dayMs).toISOString(),
      to: new Date(start.getTime() + (i + 1) * dayMs).toISOString(),
      permits: 0,
      denies: 0,
      emergencies: 0,
    }));
    // Canonical JSON (sorted keys, no spaces) makes `"emergency":true` an exact substring of the event.
    const decisions = await s.auditDb
      .selectFrom("audit_trail")
      .select((eb) => [
        sql<string>`substr(time, 1, 10)`.as("day"),
        "outcome",
        eb.fn.countAll<number>().as("n"),
        sql<number>`sum(case when event like '%"emergency":true%' then 1 else 0 end)`.as("emergencies"),
      ])
      .where("event_type", "=", "CONSENT-DECISION")
      .where("time", ">=", start.toISOString())
      .groupBy([sql`substr(time, 1, 10)`, "outcome"])
      .execute();
    for (const d of decisions) {
      const day = days.find((x) => x.from.slice(0, 10) === d.day);
      if (!day) continue;
      if (d.outcome === "success") day.permits += Number(d.n);
      else day.denies += Number(d.n);
      day.emergencies += Number(d.emergencies);
    }
    const { chain, chainFrom } = await chainStatus();
    const type = filters.type && (AUDIT_EVENT_TYPES as readonly string[]).includes(filters.type) ? [filters.type as AuditEventType] : undefined;
    let events: Awaited<ReturnType<AuditTrail["query"]>>["events"] = [];
    let next: number | undefined;
    let error: string | undefined;
    try {
      const page = await s.trail.query(auditQueryOf({ ...filters }, type));
      events = page.events;
      next = page.next;
    } catch (e) {
      if (!isPasserelleError(e)) throw e;
      error = e.message;
    }
    sendPage(res, consentPage(viewerOf(res), { days, filters, events, next, chain, chainFrom, ...(error ? { error } : {}) }), error ? 400 : 200);
  });

  router.get("/queues", async (_req, res) => {
    sendPage(res, queuesPage(viewerOf(res), await s.queue.counts(), s.queue.kind, s.boardMounted));
  });

  router.get("/queues/jobs", async (req, res) => {
    const q = req.query as Record<string, unknown>;
    const state = (JOB_STATES as readonly string[]).includes(String(q.state)) ? (q.state as JobState) : undefined;
    const types = (str(q.types) ?? "").split(",").filter(isJobType);
    const partner = str(q.partner)?.trim();
    const cursor = str(q.cursor);
    let jobs: StoredJob[];
    let nextCursor: string | undefined;
    if (types.length <= 1) {
      const page = await s.queue.list({ limit: 50, ...(state ? { state } : {}), ...(types[0] ? { type: types[0] } : {}), ...(partner ? { partner } : {}), ...(cursor ? { cursor } : {}) });
      jobs = [...page.jobs];
      nextCursor = page.nextCursor;
    } else {
      const pages = await Promise.all(types.map((type) => s.queue.list({ limit: 50, type, ...(state ? { state } : {}), ...(partner ? { partner } : {}) })));
      jobs = pages.flatMap((p) => p.jobs).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime()).slice(0, 50);
    }
    const filters = { ...(state ? { state } : {}), ...(str(q.types) ? { types: str(q.types) } : {}), ...(partner ? { partner } : {}) };
    sendPage(res, jobListPage(viewerOf(res), filters, jobs, nextCursor));
  });

  router.get("/queues/jobs/:id", async (req, res) => {
    const job = await s.queue.get(String(req.params.id));
    if (!job) return void res.status(404).type("text/plain").send("no such job");
    sendPage(res, jobPage(viewerOf(res), job, req.query.replayed === "1" ? "Replayed: the job is waiting for a worker." : undefined));
  });

  router.post("/queues/jobs/:id/replay", express.urlencoded({ extended: false, limit: "4kb" }), requireRole(mayReplay), async (req, res) => {
    const id = String(req.params.id);
    const { operator, role } = sessionOf(res);
    let job: StoredJob;
    try {
      job = await s.queue.retry(id);
    } catch (e) {
      if (!isPasserelleError(e)) throw e;
      await s.trail.record(replayEvent(operator, role, id, { errorCode: e.code }));
      return void res.status(e.code === "NOT_FOUND" ? 404 : 409).type("text/plain").send(e.message);
    }
    // Durable before acknowledged: the operator's action is in the trail before the answer (a failed
    // record answers 500: the operator is not told the replay was recorded).
    await s.trail.record(replayEvent(operator, role, id, { job }));
    s.logger.info({ operator, jobId: id, traceId: job.traceId, type: job.type, partner: job.partner }, "operator replayed an exchange job");
    res.redirect(303, `/ops/queues/jobs/${encodeURIComponent(id)}?replayed=1`);
  });

  return router;
}
