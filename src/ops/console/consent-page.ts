// Consent and audit (issue 7): consent decisions per day (permits, denies, emergency accesses), an
// audit search over every event type, and the chain's integrity (AuditTrail.verifyChain).
import type { AuditEvent } from "../../audit/event";
import { AUDIT_EVENT_TYPES } from "../../audit/event";
import type { ChainVerification } from "../../audit/trail";
import { el } from "../../shared/xml";
import { field, href, link, page, select, table, type PageViewer } from "./html";

export interface DecisionDay {
  readonly from: string;
  readonly to: string;
  permits: number;
  denies: number;
  emergencies: number;
}

export interface ConsentPageData {
  readonly days: readonly DecisionDay[];
  readonly filters: Readonly<Record<string, string>>;
  readonly events: readonly AuditEvent[];
  readonly next: number | undefined;
  readonly chain: ChainVerification;
  readonly chainFrom: number;
  readonly error?: string;
}

export function consentPage(viewer: PageViewer, d: ConsentPageData): string {
  const search = (q: Record<string, string | number | undefined>) => href("/ops/consent", { type: "CONSENT-DECISION", ...q });
  const dayRows = d.days.map((day) => [
    day.from.slice(0, 10),
    link(search({ from: day.from, to: day.to, outcome: "success" }), String(day.permits)),
    link(search({ from: day.from, to: day.to, outcome: "failure" }), String(day.denies)),
    link(search({ from: day.from, to: day.to }), String(day.emergencies)),
  ]);
  const f = d.filters;
  const form = el(
    "form",
    { method: "get", action: "/ops/consent", class: "filters", role: "search" },
    select("type", "Event type", f.type, [["", "any"], ...AUDIT_EVENT_TYPES.map((t) => [t, t] as const)]),
    field("from", "From (ISO time)", f.from),
    field("to", "To (ISO time)", f.to),
    field("partner", "Partner country", f.partner, { size: "4" }),
    field("patient", "Patient id (CX)", f.patient),
    select("outcome", "Outcome", f.outcome, [["", "any"], ["success", "success"], ["failure", "failure"]]),
    field("trace", "Trace id", f.trace),
    el("div", { class: "field" }, el("button", { type: "submit" }, "Search the audit trail")),
  );
  const c = d.chain;
  const chain = c.ok
    ? el("p", { class: "good", role: "status" }, `Audit chain intact: ${c.checked} event(s) checked (seq ${d.chainFrom} to ${c.headSeq}).`)
    : el("p", { class: "alarm", role: "alert" }, `Audit chain BROKEN at seq ${c.firstBroken?.seq ?? "?"}: ${c.firstBroken?.reason ?? "unknown"}. Run passerelle audit verify.`);
  const rows = d.events.map((e) => [
    e.time.replace("T", " ").slice(0, 19),
    String(e.seq),
    e.type,
    el("span", { class: e.outcome === "failure" ? "bad" : "good" }, e.outcome),
    e.errorCode ?? "",
    e.who?.partnerCountry ?? "",
    e.who?.emergency ? "yes" : "",
    e.patientId ?? "",
    e.exchangeId ? link(`/ops/exchanges/${encodeURIComponent(e.exchangeId)}`, e.exchangeId) : e.traceId ? link(href("/ops/exchanges", { trace: e.traceId }), e.traceId) : "",
  ]);
  const { after: _after, ...rest } = f;
  void _after;
  return page(
    "Consent and audit",
    viewer,
    el("h2", {}, "Chain integrity"),
    chain,
    el("h2", {}, "Consent decisions"),
    table("Consent decisions per day (UTC)", ["Day", "Permits", "Denies", "Emergency accesses"], dayRows),
    el("h2", {}, "Audit search"),
    form,
    d.error ? el("p", { class: "alarm", role: "alert" }, d.error) : undefined,
    table("Audit events, newest first", ["Time (UTC)", "Seq", "Type", "Outcome", "Error", "Partner", "Emergency", "Patient", "Exchange"], rows, "no event matches."),
    el("nav", { "aria-label": "Pages", class: "pager" }, d.next !== undefined ? link(href("/ops/consent", { ...rest, after: d.next }), "Next page") : undefined),
  );
}
