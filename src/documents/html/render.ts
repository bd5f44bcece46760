// A pivot Patient Summary or ePrescription (translated or not) as a self-contained HTML page a
// clinician can read (issue 6 "HTML rendering"): a patient header, then each section with its
// heading and a table of its entries — coded values by their display names, the code beside — and
// the "no known ..." / "no information" statements of the IPS absent/unknown codes as sentences.
// No script, no external resource (the styles are inline); everything is escaped by html.ts.
import type { Element } from "@xmldom/xmldom";
import { addressText, dateText, nameText } from "../../canonical/text";
import type { ClinicianLanguage } from "../../exchange/queue/jobs";
import { ErrorCode } from "../../shared/errors";
import { el, type XChild, type XElement } from "../../shared/xml";
import { all, attr, first, readAddress, readCda, readName, text, tsToIso, type ReadOptions } from "../cda/cda-reader";
import { serializeHtml } from "./html";
import { htmlLabelsFor, type HtmlLabels } from "./labels";
import { rowsOfSection, type CodedText, type StatementRow } from "./statements";

export interface HtmlRenderOptions {
  /** Language of the page's own words and of its lang attribute (the clinician's). Default: the document's languageCode when fr/de/en, else en. */
  readonly language?: ClinicianLanguage;
  readonly maxBytes?: ReadOptions["maxBytes"];
}

const STYLE = [
  "body{font-family:system-ui,sans-serif;margin:1.5rem;color:#111;line-height:1.4}",
  "header{border-bottom:2px solid #333;margin-bottom:1rem}",
  "dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}dt{font-weight:600}dd{margin:0}",
  "table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}th,td{border:1px solid #999;padding:.3rem .5rem;text-align:left;vertical-align:top}",
  "th{background:#eee}.code{color:#555;font-size:.85em}.statement{font-style:italic}",
].join("");

function languageOf(doc: Element, requested: ClinicianLanguage | undefined): ClinicianLanguage {
  if (requested) return requested;
  const code = (attr(first(doc, "hl7:languageCode"), "code") ?? "").slice(0, 2).toLowerCase();
  return code === "fr" || code === "de" ? code : "en";
}

function tsDate(e: Element | undefined): string | undefined {
  const v = attr(e, "value");
  if (!v) return undefined;
  try {
    return dateText(tsToIso(v, ErrorCode.DocumentInvalid, "time"));
  } catch {
    return v;
  }
}

function coded(c: CodedText): XElement[] {
  return [el("span", {}, c.display), ...(c.code && c.code !== c.display ? [el("span", { class: "code" }, ` (${c.code}${c.codeSystemName ? `, ${c.codeSystemName}` : ""})`)] : [])];
}

function field(term: string, value: XChild): XElement[] {
  return value ? [el("dt", {}, term), el("dd", {}, value)] : [];
}

function patientHeader(doc: Element, l: HtmlLabels): XElement {
  const role = first(doc, "hl7:recordTarget/hl7:patientRole");
  const patient = role ? first(role, "hl7:patient") : undefined;
  const name = nameText(readName(patient ? first(patient, "hl7:name") : undefined)) || "—";
  const ids = role ? all(role, "hl7:id[@extension]").map((i) => `${attr(i, "extension")} (${attr(i, "root") ?? ""})`) : [];
  const gender = attr(patient ? first(patient, "hl7:administrativeGenderCode") : undefined, "code");
  const address = readAddress(role ? first(role, "hl7:addr") : undefined);
  const author = nameText(readName(first(doc, "hl7:author/hl7:assignedAuthor/hl7:assignedPerson/hl7:name")));
  const custodian = text(first(doc, "hl7:custodian/hl7:assignedCustodian/hl7:representedCustodianOrganization/hl7:name"));
  return el(
    "header",
    {},
    el("h1", {}, text(first(doc, "hl7:title")) ?? l.document),
    el(
      "section",
      { "aria-labelledby": "patient-heading" },
      el("h2", { id: "patient-heading" }, `${l.patient}: ${name}`),
      el(
        "dl",
        {},
        field(l.identifiers, ids.join(", ")),
        field(l.birthDate, tsDate(patient ? first(patient, "hl7:birthTime") : undefined)),
        field(l.gender, gender ? (l.genders[gender] ?? gender) : undefined),
        field(l.address, address ? addressText(address) : undefined),
        field(l.documentDate, tsDate(first(doc, "hl7:effectiveTime"))),
        field(l.author, author),
        field(l.custodian, custodian),
        field(l.language, attr(first(doc, "hl7:languageCode"), "code")),
      ),
    ),
  );
}

function periodCell(p: { low?: string; high?: string; at?: string }, l: HtmlLabels): string {
  if (p.at) return p.at;
  if (p.low && p.high) return `${p.low} – ${p.high}`;
  if (p.low) return `${l.from} ${p.low}`;
  return p.high ? `${l.to} ${p.high}` : "";
}

function sectionTable(caption: string, rows: StatementRow[], l: HtmlLabels): XElement[] {
  const statements = rows.filter((r): r is Extract<StatementRow, { kind: "statement" }> => r.kind === "statement");
  const entries = rows.filter((r): r is Extract<StatementRow, { kind: "row" }> => r.kind === "row");
  const out: XElement[] = statements.map((s) => el("p", { class: "statement" }, s.text));
  if (entries.length > 0) {
    out.push(
      el(
        "table",
        {},
        el("caption", {}, caption),
        el("thead", {}, el("tr", {}, ...[l.item, l.details, l.date, l.status].map((h) => el("th", { scope: "col" }, h)))),
        el(
          "tbody",
          {},
          entries.map((r) =>
            el(
              "tr",
              {},
              el("td", {}, r.item.flatMap((c, i) => [i > 0 ? el("br") : undefined, ...coded(c)])),
              el("td", {}, r.details.length > 0 ? el("ul", {}, r.details.map((d) => el("li", {}, d))) : undefined),
              el("td", {}, periodCell(r.period, l)),
              el("td", {}, r.status),
            ),
          ),
        ),
      ),
    );
  }
  return out;
}

/** The narrative text of the element carrying ID="id" in the section (a <reference value="#id"> target). */
function narrativeLookup(section: Element): (id: string) => string | undefined {
  return (id) => {
    if (!/^[A-Za-z0-9._:-]+$/.test(id)) return undefined;
    return text(first(section, `hl7:text//*[@ID='${id}']`));
  };
}

function sectionBlock(section: Element, index: number, l: HtmlLabels): XElement {
  const title = text(first(section, "hl7:title"));
  const code = first(section, "hl7:code");
  const heading = title ?? attr(code, "displayName") ?? attr(code, "code") ?? `${index + 1}`;
  const id = `section-${index + 1}`;
  const rows = rowsOfSection(section, narrativeLookup(section));
  const body: XChild[] = sectionTable(heading, rows, l);
  if (rows.length === 0) {
    // A section with no entry: its narrative is the only content ("no information" sections often are).
    const narrative = text(first(section, "hl7:text"));
    body.push(el("p", { class: "statement" }, narrative ?? l.noEntries));
  }
  const nested = all(section, "hl7:component/hl7:section").map((s, i) => sectionBlock(s, index * 100 + i + 1, l));
  return el("section", { "aria-labelledby": id }, el("h2", { id }, heading), body, nested);
}

/** Render a PS or eP CDA (pivot or translated) as a complete, self-contained HTML page. */
export function renderClinicalDocumentHtml(xml: string, options: HtmlRenderOptions = {}): string {
  const doc = readCda(xml, { code: ErrorCode.DocumentInvalid, ...(options.maxBytes ? { maxBytes: options.maxBytes } : {}) }).documentElement as unknown as Element;
  const language = languageOf(doc, options.language);
  const l = htmlLabelsFor(language);
  const title = text(first(doc, "hl7:title")) ?? l.document;
  const sections = all(doc, "hl7:component/hl7:structuredBody/hl7:component/hl7:section");
  return serializeHtml(
    el(
      "html",
      { lang: language },
      el("head", {}, el("meta", { charset: "utf-8" }), el("meta", { name: "viewport", content: "width=device-width, initial-scale=1" }), el("title", {}, title), el("style", {}, STYLE)),
      el(
        "body",
        {},
        patientHeader(doc, l),
        el("main", {}, sections.map((s, i) => sectionBlock(s, i, l)), first(doc, "hl7:component/hl7:nonXMLBody") ? el("p", { class: "statement" }, l.level1) : undefined),
      ),
    ),
  );
}
