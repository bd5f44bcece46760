// Exchanges (issue 7): a searchable, keyset-paginated list of exchanges in both directions (audit events
// of the partner transactions: country A inbound, country B outbound) and the timeline of one exchange: every audit event sharing its exchange id or
// trace id (assertion checks, consent decision, national calls, documents, errors), and its raw SOAP
// messages for operators and admins.
import type { AuditEvent, AuditOutcome } from "../../audit/event";
import type { AuditQuery } from "../../audit/query";
import type { RawMessage } from "../../audit/messages";
import { el, type XChild } from "../../shared/xml";
import { EVENT_SERVICE, SERVICES } from "./exchanges-data";
import { field, href, link, page, select, table, type PageViewer } from "./html";

export const PAGE_SIZE = 50;

export interface ExchangeFilters {
  readonly from?: string;
  readonly to?: string;
  readonly partner?: string;
  readonly service?: string;
  readonly patient?: string;
  readonly outcome?: string;
  readonly errorCode?: string;
  readonly trace?: string;
  /** inbound (country A) or outbound (country B). */
  readonly direction?: string;
  readonly after?: string;
}

const FILTER_KEYS = ["from", "to", "partner", "service", "patient", "outcome", "errorCode", "trace", "direction", "after"] as const;

/** The trail's query has no direction: the page's events are filtered here (an event without one is inbound). */
export function inDirection(events: readonly AuditEvent[], direction: string | undefined): AuditEvent[] {
  if (direction !== "inbound" && direction !== "outbound") return [...events];
  return events.filter((e) => (e.direction ?? "inbound") === direction);
}

/** The filters of a query string: strings only, bounded, anything else dropped. */
export function filtersOf(query: Record<string, unknown>): ExchangeFilters {
  const out: Record<string, string> = {};
  for (const k of FILTER_KEYS) {
    const v = query[k];
    if (typeof v === "string" && v.trim() !== "" && v.length <= 512) out[k] = v.trim();
  }
  return out;
}

/** The audit query of the filters (types from the service). Invalid values make the trail throw INPUT_INVALID. */
export function auditQueryOf(f: ExchangeFilters, types: AuditQuery["types"]): AuditQuery {
  return {
    types,
    order: "desc",
    limit: PAGE_SIZE,
    ...(f.from ? { from: f.from } : {}),
    ...(f.to ? { to: f.to } : {}),
    ...(f.partner ? { partnerCountry: f.partner.toUpperCase() } : {}),
    ...(f.patient ? { patientId: f.patient } : {}),
    ...(f.outcome ? { outcome: f.outcome as AuditOutcome } : {}),
    ...(f.errorCode ? { errorCode: f.errorCode } : {}),
    ...(f.trace ? { traceId: f.trace } : {}),
    ...(f.after && /^\d+$/.test(f.after) ? { after: Number(f.after) } : {}),
  };
}

function detailHref(e: AuditEvent): string {
  if (e.exchangeId) return `/ops/exchanges/${encodeURIComponent(e.exchangeId)}`;
  return href("/ops/exchanges/event", { seq: e.seq });
}

function outcomeCell(e: AuditEvent): XChild {
  return el("span", { class: e.outcome === "failure" ? "bad" : "good" }, e.outcome);
}

export function exchangeListPage(viewer: PageViewer, f: ExchangeFilters, events: readonly AuditEvent[], next: number | undefined, error?: string): string {
  const form = el(
    "form",
    { method: "get", action: "/ops/exchanges", class: "filters", role: "search" },
    field("from", "From (ISO time)", f.from),
    field("to", "To (ISO time)", f.to),
    field("partner", "Partner country", f.partner, { size: "4" }),
    select("direction", "Direction", f.direction, [["", "any"], ["inbound", "in (country A)"], ["outbound", "out (country B)"]]),
    select("service", "Service", f.service, [["", "any"], ...SERVICES.map((s) => [s, s] as const)]),
    field("patient", "Patient id (CX)", f.patient),
    select("outcome", "Outcome", f.outcome, [["", "any"], ["success", "success"], ["failure", "failure"]]),
    field("errorCode", "Error code", f.errorCode, { size: "8" }),
    field("trace", "Trace id", f.trace),
    el("div", { class: "field" }, el("button", { type: "submit" }, "Search")),
  );
  const rows = events.map((e) => [
    link(detailHref(e), e.time.replace("T", " ").slice(0, 19)),
    e.direction === "outbound" ? "out" : "in",
    EVENT_SERVICE[e.type] ?? e.type,
    e.type,
    e.who?.partnerCountry ?? "–",
    e.patientId ?? "–",
    outcomeCell(e),
    e.errorCode ?? "",
    e.durationMs === undefined ? "" : `${Math.round(e.durationMs)} ms`,
    e.traceId ? link(href("/ops/exchanges", { trace: e.traceId }), e.traceId) : "",
  ]);
  const { after: _after, ...rest } = f;
  void _after;
  return page(
    "Exchanges",
    viewer,
    form,
    error ? el("p", { class: "alarm", role: "alert" }, error) : undefined,
    table("Exchanges, newest first", ["Time (UTC)", "Direction", "Service", "Event", "Partner", "Patient", "Outcome", "Error", "Duration", "Trace id"], rows, "no exchange matches."),
    el("nav", { "aria-label": "Pages", class: "pager" }, f.after ? link(href("/ops/exchanges", rest), "First page") : undefined, next !== undefined ? link(href("/ops/exchanges", { ...rest, after: next }), "Next page") : undefined),
  );
}

function eventRow(e: AuditEvent): XChild[] {
  const details = e.details ? Object.entries(e.details).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`).join(", ") : "";
  return [
    e.time.replace("T", " ").slice(0, 23),
    e.type,
    outcomeCell(e),
    e.errorCode ?? "",
    [e.who?.partnerCountry, e.who?.hcpId, e.who?.userId, e.who?.role, e.who?.purposeOfUse, e.who?.emergency ? "EMERGENCY" : undefined].filter(Boolean).join(" · "),
    (e.documentIds ?? []).join(", "),
    e.durationMs === undefined ? "" : `${Math.round(e.durationMs)} ms`,
    details,
    link(href("/ops/consent", { seq: e.seq }), `#${e.seq}`),
  ];
}

const RAW_DISPLAY_LIMIT = 256 * 1024;

export function exchangeDetailPage(viewer: PageViewer, key: string, events: readonly AuditEvent[], raw: readonly RawMessage[] | "forbidden"): string {
  const first = events[0];
  const traceIds = [...new Set(events.map((e) => e.traceId).filter((t): t is string => !!t))];
  const facts = el(
    "dl",
    { class: "facts" },
    el("dt", {}, "Exchange id"),
    el("dd", {}, key),
    el("dt", {}, "Trace id"),
    el("dd", {}, traceIds.length ? traceIds.map((t) => link(href("/ops/exchanges", { trace: t }), t)) : "–"),
    el("dt", {}, "Direction"),
    el("dd", {}, first ? (first.direction === "outbound" ? "out (country B: we asked the partner)" : "in (country A: the partner asked us)") : "–"),
    el("dt", {}, "Partner"),
    el("dd", {}, first?.who?.partnerCountry ?? "–"),
    el("dt", {}, "Patient"),
    el("dd", {}, first?.patientId ?? "–"),
  );
  const rawSection =
    raw === "forbidden"
      ? el("p", {}, "Raw messages are shown to operators and admins only.")
      : raw.length === 0
        ? el("p", {}, "No raw message kept for this exchange (retention may have purged them).")
        : raw.map((m) =>
            el(
              "details",
              { class: "raw" },
              el("summary", {}, `${m.direction} ${m.action ?? ""} ${m.contentType ?? ""} — ${m.body.length} bytes at ${m.recordedAt}`),
              el("pre", {}, m.body.subarray(0, RAW_DISPLAY_LIMIT).toString("utf8") + (m.body.length > RAW_DISPLAY_LIMIT ? "\n[truncated]" : "")),
            ),
          );
  return page(
    `Exchange ${key}`,
    viewer,
    facts,
    table("Timeline", ["Time (UTC)", "Event", "Outcome", "Error", "Who", "Documents", "Duration", "Details", "Audit seq"], events.map(eventRow), "no audit event for this exchange."),
    el("h2", {}, "Raw messages"),
    rawSection,
  );
}
