// Partners (issue 7): each partner gateway with its endpoints, last success, error rate over the last
// day, and the expiry of each of its certificates and of ours: warning at 30 days
// (PASSERELLE_CERT_EXPIRY_WARNING_DAYS), alarm at 7.
import type { CertificateExpiry } from "../../exchange/partners/expiry";
import type { Partner } from "../../exchange/partners/model";
import type { BreakerState } from "../../exchange/queue/breaker";
import { PARTNER_SERVICES } from "../../exchange/partners/model";
import { el, type XChild } from "../../shared/xml";
import { successRate, type Tally } from "./exchanges-data";
import { href, link, page, table, type PageViewer } from "./html";

export const ALARM_DAYS = 7;

export type ExpiryLevel = "ok" | "warning" | "alarm";

export function expiryLevel(days: number, warningDays: number): ExpiryLevel {
  if (days <= ALARM_DAYS) return "alarm";
  if (days <= warningDays) return "warning";
  return "ok";
}

export interface PartnerRow {
  readonly partner: Partner;
  /** The circuit breaker of this process's queue workers; undefined when the queue does not expose it. */
  readonly breaker: BreakerState | undefined;
  readonly lastSuccess: string | undefined;
  readonly lastDay: { in: Tally; out: Tally };
}

function expiryCell(c: CertificateExpiry, warningDays: number): XChild {
  const level = expiryLevel(c.days, warningDays);
  const text = c.days < 0 ? `expired ${-c.days} day(s) ago` : `${c.days} day(s) left`;
  return el("span", { class: level === "ok" ? "good" : level }, level === "ok" ? text : `${level.toUpperCase()}: ${text}`);
}

function breakerCell(state: BreakerState | undefined): XChild {
  if (state === undefined) return "unknown";
  if (state === "open") return el("span", { class: "alarm" }, "OPEN: jobs to this partner are postponed");
  if (state === "half-open") return el("span", { class: "warning" }, "HALF-OPEN: one probe job at a time");
  return el("span", { class: "good" }, "closed");
}

export function partnersPage(viewer: PageViewer, rows: readonly PartnerRow[], expiries: readonly CertificateExpiry[], warningDays: number, dayFrom: string, now: Date): string {
  const certRows = [...expiries]
    .sort((a, b) => a.days - b.days)
    .map((c) => [c.owner === "self" ? "ours" : link(`#partner-${c.owner}`, c.owner), c.usage, c.subject, c.notAfter.toISOString().slice(0, 10), expiryCell(c, warningDays)]);
  const alarms = expiries.filter((c) => expiryLevel(c.days, warningDays) !== "ok");
  return page(
    "Partners",
    viewer,
    alarms.length
      ? el("p", { class: alarms.some((c) => expiryLevel(c.days, warningDays) === "alarm") ? "alarm" : "warning", role: "alert" }, `${alarms.length} certificate(s) expire within ${warningDays} days.`)
      : undefined,
    rows.length === 0 ? el("p", {}, "No partner gateway registered (passerelle partners add).") : undefined,
    rows.map((r) => {
      const p = r.partner;
      const total: Tally = { total: r.lastDay.in.total + r.lastDay.out.total, failures: r.lastDay.in.failures + r.lastDay.out.failures };
      return el(
        "section",
        { id: `partner-${p.country}`, class: "partner" },
        el("h2", {}, `${p.country} — ${p.homeCommunityId}`),
        el(
          "dl",
          { class: "facts" },
          PARTNER_SERVICES.map((s) => [el("dt", {}, s.toUpperCase()), el("dd", {}, p.endpoints[s] ?? "–")]),
          el("dt", {}, "Last success"),
          el("dd", {}, r.lastSuccess ? link(href("/ops/exchanges", { partner: p.country, outcome: "success" }), r.lastSuccess.replace("T", " ").slice(0, 19)) : "never"),
          el("dt", {}, "Last day"),
          el(
            "dd",
            {},
            link(href("/ops/exchanges", { partner: p.country, from: dayFrom }), `${r.lastDay.in.total} in`),
            " (",
            link(href("/ops/exchanges", { partner: p.country, from: dayFrom, outcome: "failure" }), `${r.lastDay.in.failures} failed`),
            "), ",
            link(href("/ops/queues/jobs", { partner: p.country }), `${r.lastDay.out.total} out`),
            " (",
            link(href("/ops/queues/jobs", { partner: p.country, state: "dead-letter" }), `${r.lastDay.out.failures} failed`),
            `); error rate ${total.total ? ((total.failures / total.total) * 100).toFixed(1) + " %" : "–"}, success ${successRate(total)}`,
          ),
          el("dt", {}, "Circuit breaker"),
          el("dd", {}, breakerCell(r.breaker)),
        ),
      );
    }),
    table(`Certificates (warning at ${warningDays} days, alarm at ${ALARM_DAYS}) — checked ${now.toISOString().slice(0, 16)} UTC`, ["Owner", "Usage", "Subject", "Not after", "Expiry"], certRows, "no certificate."),
  );
}
