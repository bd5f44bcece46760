// Overview page (issue 7): exchanges of the last hour / day by direction, service and partner, success
// rate, p50/p99 latency, a volume/error chart (inline SVG, one link per bar), queue depths and dead
// letters. Every figure links to the exchanges it counts in the exchange search (both directions come
// from the audit trail, exchanges-data.ts); queue figures link to the queue's job list.
import { el, type XChild, type XElement } from "../../shared/xml";
import type { JobCounts } from "../../exchange/queue/port";
import { SERVICES, successRate, type Service, type Tally, type WindowFigures } from "./exchanges-data";
import { href, link, page, SVG_NS, table, type PageViewer } from "./html";

export const WINDOWS = { hour: { ms: 3600_000, buckets: 12 }, day: { ms: 86_400_000, buckets: 24 } } as const;
export type WindowName = keyof typeof WINDOWS;

interface ExchangeLink {
  service?: Service;
  partner?: string;
  outcome?: string;
  direction?: "inbound" | "outbound";
}

function exchangesLink(f: WindowFigures, q: ExchangeLink, text: string): XElement {
  return link(href("/ops/exchanges", { from: f.from, to: f.to, direction: q.direction, service: q.service, partner: q.partner, outcome: q.outcome }), text);
}

function tallyCells(t: Tally, f: WindowFigures, dir: "in" | "out", q: { service?: Service; partner?: string }): XChild[] {
  const scope: ExchangeLink = { ...q, direction: dir === "in" ? "inbound" : "outbound" };
  return [exchangesLink(f, scope, String(t.total)), exchangesLink(f, { ...scope, outcome: "failure" }, String(t.failures)), successRate(t)];
}

function chart(f: WindowFigures): XElement {
  const w = 600;
  const h = 160;
  const max = Math.max(1, ...f.buckets.map((b) => b.total));
  const bw = w / f.buckets.length;
  const bars = f.buckets.map((b, i) => {
    const vh = (b.total / max) * (h - 20);
    const eh = (b.failures / max) * (h - 20);
    const title = `${b.from.slice(11, 16)}–${b.to.slice(11, 16)} UTC: ${b.total} exchanges, ${b.failures} failed`;
    return el(
      "a",
      { href: href("/ops/exchanges", { from: b.from, to: b.to }) },
      el("title", {}, title),
      el("rect", { class: "vol", x: (i * bw + 1).toFixed(1), y: (h - vh).toFixed(1), width: (bw - 2).toFixed(1), height: vh.toFixed(1) }),
      el("rect", { class: "err", x: (i * bw + 1).toFixed(1), y: (h - eh).toFixed(1), width: (bw - 2).toFixed(1), height: eh.toFixed(1) }),
    );
  });
  return el(
    "figure",
    {},
    el("svg", { xmlns: SVG_NS, viewBox: `0 0 ${w} ${h}`, width: w, height: h, role: "img", "aria-label": `Volume and errors, ${f.buckets.length} intervals, at most ${max} exchanges in one` }, bars),
    el("figcaption", {}, "Exchanges (both directions, from the audit trail) per interval; the red part failed. Each bar links to its exchanges."),
  );
}

export interface OverviewData {
  readonly window: WindowName;
  readonly figures: WindowFigures;
  readonly counts: JobCounts;
  readonly now: Date;
}

export function overviewPage(viewer: PageViewer, d: OverviewData): string {
  const f = d.figures;
  const summary = table(
    `Exchanges in the last ${d.window}`,
    ["Direction", "Exchanges", "Failed", "Success rate"],
    [
      ["in (country A)", ...tallyCells(f.inbound, f, "in", {})],
      ["out (country B)", ...tallyCells(f.outbound, f, "out", {})],
    ],
  );
  const services = table(
    "By service",
    ["Service", "In", "In failed", "In success", "Out", "Out failed", "Out success"],
    SERVICES.map((s) => [s, ...tallyCells(f.byService[s].in, f, "in", { service: s }), ...tallyCells(f.byService[s].out, f, "out", { service: s })]),
  );
  const partners = table(
    "By partner",
    ["Partner", "In", "In failed", "In success", "Out", "Out failed", "Out success"],
    [...f.byPartner.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([p, t]) => [link(href("/ops/partners", {}) + `#partner-${p}`, p), ...tallyCells(t.in, f, "in", { partner: p }), ...tallyCells(t.out, f, "out", { partner: p })]),
    "no exchange in this window.",
  );
  const latency = el(
    "p",
    { class: "figures" },
    "Latency: p50 ",
    exchangesLink(f, {}, f.p50Ms === undefined ? "–" : `${Math.round(f.p50Ms)} ms`),
    ", p99 ",
    exchangesLink(f, {}, f.p99Ms === undefined ? "–" : `${Math.round(f.p99Ms)} ms`),
  );
  const queue = table(
    "Queue",
    ["State", "Jobs"],
    Object.entries(d.counts).map(([state, n]) => [state, link(href("/ops/queues/jobs", { state }), String(n))]),
  );
  return page(
    "Overview",
    viewer,
    el(
      "p",
      { class: "windows" },
      "Window: ",
      (Object.keys(WINDOWS) as WindowName[]).map((w, i) => [i > 0 ? " · " : "", w === d.window ? el("strong", {}, `last ${w}`) : link(href("/ops", { window: w }), `last ${w}`)]),
      ` — at ${d.now.toISOString().slice(0, 19)} UTC`,
    ),
    el("section", { class: "grid" }, summary, queue),
    latency,
    chart(f),
    services,
    partners,
  );
}
