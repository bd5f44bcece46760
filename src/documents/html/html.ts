// The HTML writer of the clinician renderings (issue 6 "HTML rendering"): the same element trees as
// src/shared/xml.ts (el()) and its escaping (escapeText/escapeAttr, control characters dropped),
// written with HTML rules — a doctype, void elements without end tags, every other element with an
// explicit end tag (an XML `<td/>` would open a cell in an HTML parser). Nothing else writes markup.
import { escapeAttr, escapeText, type XElement } from "../../shared/xml";

// HTML Living Standard §13.1.2 "void elements".
const VOID_ELEMENTS = new Set(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"]);
// Raw text elements (§13.1.2): their content is not escaped by parsers, so we refuse anything that could close them.
const RAW_TEXT_ELEMENTS = new Set(["style", "script"]);

function write(node: XElement, out: string[]): void {
  const name = node.name.toLowerCase();
  if (!/^[a-z][a-z0-9]*$/.test(name)) throw new Error(`html: invalid element name ${JSON.stringify(node.name)}`);
  out.push(`<${name}`);
  for (const [k, v] of Object.entries(node.attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (!/^[a-z][a-z0-9-]*$/.test(k)) throw new Error(`html: invalid attribute name ${JSON.stringify(k)}`);
    out.push(v === true ? ` ${k}` : ` ${k}="${escapeAttr(String(v))}"`);
  }
  out.push(">");
  if (VOID_ELEMENTS.has(name)) {
    if (node.children.length > 0) throw new Error(`html: void element <${name}> cannot have children`);
    return;
  }
  for (const c of node.children) {
    if (typeof c !== "string") write(c, out);
    else if (RAW_TEXT_ELEMENTS.has(name)) {
      if (/<\/?[a-z!]/i.test(c)) throw new Error(`html: <${name}> content may not contain markup`);
      out.push(c);
    } else out.push(escapeText(c));
  }
  out.push(`</${name}>`);
}

/** A complete HTML document from its <html> element. */
export function serializeHtml(root: XElement): string {
  if (root.name !== "html") throw new Error("html: the root element must be <html>");
  const out: string[] = ["<!DOCTYPE html>\n"];
  write(root, out);
  return out.join("");
}
