// The narrative block of CDA sections (CDA R2 §4.3.5, NarrativeBlock.xsd): tables with a header row
// and one row per entry, cell parts carrying the IDs that entries reference
// (`originalText/reference value="#ID"`, `text/reference`, CDA R2 §4.3.5.1).
import { el, type XChild, type XElement } from "../../shared/xml";

export interface NarrativeRow {
  /** ID of the `tr`, when the entry references the whole row. */
  id?: string;
  /** Each cell's content, as given. */
  cells: XChild[][];
}

/** `table` with a `thead` header row, then one `tr` per row. */
export function narrativeTable(headers: readonly string[], rows: readonly NarrativeRow[]): XElement {
  return el(
    "table",
    {},
    el("thead", {}, el("tr", {}, headers.map((h) => el("th", {}, h)))),
    el(
      "tbody",
      {},
      rows.map((r) => el("tr", { ID: r.id }, r.cells.map((c) => el("td", {}, c)))),
    ),
  );
}

/** A narrative cell part that an entry's originalText or text can point to. */
export function content(id: string, text: string): XElement {
  return el("content", { ID: id }, text);
}

/** `<text><reference value="#id"/></text>` of an entry. */
export function textRef(id: string): XElement {
  return el("text", {}, el("reference", { value: `#${id}` }));
}
