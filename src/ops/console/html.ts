// The console's pages are trees built with the one markup writer (src/shared/xml.ts el() / serialize():
// escaping in one place), served as text/html in the XHTML syntax that both parsers read alike: void
// elements self-closed, every other empty element given an explicit end tag (forHtml), SVG inline.
// No inline script or style: the CSP (security.ts) forbids both; the look comes from
// /ops/static/console.css.
import type { Response } from "express";
import { el, serialize, type XChild, type XElement } from "../../shared/xml";
import type { OperatorRole } from "../operators/accounts";

export const XHTML_NS = "http://www.w3.org/1999/xhtml";
export const SVG_NS = "http://www.w3.org/2000/svg";

export interface PageViewer {
  readonly operator: string;
  readonly role: OperatorRole;
  readonly csrfToken: string;
}

export const NAV: readonly { href: string; label: string }[] = [
  { href: "/ops", label: "Overview" },
  { href: "/ops/exchanges", label: "Exchanges" },
  { href: "/ops/partners", label: "Partners" },
  { href: "/ops/consent", label: "Consent and audit" },
  { href: "/ops/queues", label: "Queues" },
];

/** A link with query parameters (undefined and empty values dropped). */
export function href(path: string, query: Readonly<Record<string, string | number | undefined>> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

export function link(url: string, ...children: XChild[]): XElement {
  return el("a", { href: url }, ...children);
}

/** The hidden CSRF field every POST form carries. */
export function csrfField(token: string): XElement {
  return el("input", { type: "hidden", name: "_csrf", value: token });
}

export function postButton(action: string, label: string, csrfToken: string, cls?: string): XElement {
  return el("form", { method: "post", action, class: "inline" }, csrfField(csrfToken), el("button", { type: "submit", class: cls }, label));
}

export function table(caption: string, headers: readonly string[], rows: readonly XChild[][], empty = "Nothing to show."): XElement {
  if (rows.length === 0) return el("p", { class: "empty" }, `${caption}: ${empty}`);
  return el(
    "table",
    {},
    el("caption", {}, caption),
    el("thead", {}, el("tr", {}, headers.map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, rows.map((r) => el("tr", {}, r.map((c) => el("td", {}, c))))),
  );
}

/** A labelled form field (every input has its label: accessibility basics). */
export function field(name: string, label: string, value: string | undefined, attrs: Record<string, string> = {}): XElement {
  const id = `f-${name}`;
  return el("div", { class: "field" }, el("label", { for: id }, label), el("input", { id, name, value: value ?? "", ...attrs }));
}

export function select(name: string, label: string, value: string | undefined, options: readonly (readonly [string, string])[]): XElement {
  const id = `f-${name}`;
  return el(
    "div",
    { class: "field" },
    el("label", { for: id }, label),
    el("select", { id, name }, options.map(([v, text]) => el("option", { value: v, selected: v === (value ?? "") ? "selected" : undefined }, text))),
  );
}

/** HTML void elements (HTML Living Standard §13.1.2): the only ones that may be written self-closed. */
const VOID = new Set(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"]);

/** The tree with an explicit end tag on every empty non-void HTML element (`<nav/>` would stay open in HTML). */
export function forHtml(node: XElement): XElement {
  if (node.name === "svg") return node;
  const children = node.children.map((c) => (typeof c === "string" ? c : forHtml(c)));
  if (children.length === 0 && !VOID.has(node.name)) children.push("");
  return { name: node.name, attrs: node.attrs, children };
}

function document(title: string, body: XElement[]): string {
  const root = el(
    "html",
    { xmlns: XHTML_NS, lang: "en" },
    el(
      "head",
      {},
      el("meta", { charset: "utf-8" }),
      el("meta", { name: "viewport", content: "width=device-width, initial-scale=1" }),
      el("title", {}, `${title} · Passerelle operator console`),
      el("link", { rel: "stylesheet", href: "/ops/static/console.css" }),
    ),
    el("body", {}, body),
  );
  return `<!DOCTYPE html>\n${serialize(forHtml(root), { declaration: false })}`;
}

export function page(title: string, viewer: PageViewer, ...content: XChild[]): string {
  const header = el(
    "header",
    {},
    el("a", { class: "skip", href: "#main" }, "Skip to content"),
    el("span", { class: "brand" }, "Passerelle operators"),
    el("nav", { "aria-label": "Console" }, el("ul", {}, NAV.map((n) => el("li", {}, link(n.href, n.label))))),
    el(
      "div",
      { class: "who" },
      el("span", {}, `${viewer.operator} (${viewer.role})`),
      el("form", { method: "post", action: "/ops/logout", class: "inline" }, csrfField(viewer.csrfToken), el("button", { type: "submit" }, "Log out")),
    ),
  );
  return document(title, [header, el("main", { id: "main" }, el("h1", {}, title), content)]);
}

export function barePage(title: string, ...content: XChild[]): string {
  return document(title, [el("main", { id: "main", class: "narrow" }, el("h1", {}, title), content)]);
}

export function sendPage(res: Response, html: string, status = 200): void {
  res.status(status).type("text/html; charset=utf-8").send(html);
}
